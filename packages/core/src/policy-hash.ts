/** The policy's content hash. */
import type { Policy } from '@edgesteer/policy/neutral';
import { compilePolicy } from './compiled-policy.js';

/** SHA-256 (hex) of the policy's canonical JSON: equal for equal policies whatever their key order. */
export function policyHash(policy: Policy): string {
  return compilePolicy(policy).policyHash;
}
