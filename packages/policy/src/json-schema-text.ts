/** The exact text of config/policy.schema.json, shared by the CLI and the freshness test. */
import { policyJsonSchema } from './schema.js';

/** JSON Schema of the policy file, pretty-printed with a trailing newline. */
export function policyJsonSchemaText(): string {
  return JSON.stringify(policyJsonSchema(), null, 2) + '\n';
}
