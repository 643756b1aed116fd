import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { suggest } from './did-you-mean.js';
import { findingsFromZod } from './zod-issues.js';
import { PolicySchema } from './schema.js';

function findings(schema: z.ZodType, data: unknown) {
  const r = schema.safeParse(data);
  if (r.success) throw new Error('expected a failure');
  return findingsFromZod(schema, data, r.error.issues);
}

describe('findingsFromZod', () => {
  it('falls back to schema-invalid with zod\'s message for issues without a dedicated rule', () => {
    const f = findings(z.object({ step: z.number().multipleOf(5) }), { step: 3 });
    expect(f.map((x) => [x.rule, x.path])).toEqual([['schema-invalid', ['step']]]);
    expect(f[0]!.message).toMatch(/^step: .*5/);
  });

  it('tells a missing key (schema-required, at the parent) from a wrong type (schema-type, at the value)', () => {
    const f = findings(PolicySchema, { version: 1, owner: 5, zones: [], regions: [], edges: [], services: 'x' });
    expect(f.map((x) => [x.rule, x.path.join('.')])).toEqual([
      ['schema-type', 'owner'],
      ['schema-range', 'zones'],
      ['schema-range', 'regions'],
      ['schema-range', 'edges'],
      ['schema-type', 'services'],
    ]);
    const missing = findings(PolicySchema, { version: 1 });
    expect(missing.map((x) => x.rule)).toEqual(Array(5).fill('schema-required'));
    expect(missing[0]!.message).toBe("policy is missing required key 'owner'");
  });

  it('says "a whole number" for fractions and quotes the allowed range', () => {
    const f = findings(PolicySchema.shape.health, { quorum: 1.5, rttAlpha: 0 });
    expect(f.map((x) => x.message)).toEqual(['quorum must be a whole number, got the fraction 1.5', 'rttAlpha 0 is out of bounds: allowed more than 0 and at most 1']);
  });

  it('suggests a write-as-list fix for a scalar where a list belongs', () => {
    const [f] = findings(PolicySchema.shape.regions.element, { id: 'r', aws: 'us-east-1', clientCidrs: '10.0.0.0/8' });
    expect(f!.hint).toBe('write a list: clientCidrs: [10.0.0.0/8]');
  });
});

describe('suggest', () => {
  it.each([
    ['intervall', ['intervalMs', 'timeoutMs'], 'intervalMs'],
    ['timeout', ['intervalMs', 'timeoutMs'], 'timeoutMs'],
    ['Steering', ['steering', 'edges'], 'steering'],
    ['latncy', ['latency', 'failover', 'weighted'], 'latency'],
    ['zzz', ['latency', 'failover'], undefined],
    ['hosts', ['host', 'hostedZoneId'], 'host'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(suggest(word, candidates)).toBe(expected);
  });
});
