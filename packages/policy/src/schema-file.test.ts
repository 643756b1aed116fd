/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyJsonSchemaText } from './json-schema-text.js';

describe('config/policy.schema.json', () => {
  it('is exactly what the zod schema generates', () => {
    const committed = readFileSync(new URL('../../../config/policy.schema.json', import.meta.url), 'utf8');
    // toBe on the parsed form gives a readable diff; the text check catches formatting drift.
    const generated = policyJsonSchemaText();
    expect(JSON.parse(committed), 'config/policy.schema.json is stale: run npm run schema').toEqual(JSON.parse(generated));
    expect(committed === generated, 'config/policy.schema.json is stale: run npm run schema').toBe(true);
  });

  it('describes a closed, versioned format', () => {
    const schema = JSON.parse(policyJsonSchemaText()) as { $schema: string; additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'owner', 'zones', 'regions', 'edges', 'services']));
  });
});
