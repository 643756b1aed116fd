import { describe, expect, it } from 'vitest';
import { clearCompiledPolicies, compilePolicy, freezePolicy } from './compiled-policy.js';
import { decide } from './table.js';
import { ingest } from './links.js';
import { initialState } from './state.js';
import { ok, testPolicy } from './test-policy.js';

describe('freezePolicy', () => {
  it('gives the same tables as the unfrozen policy, and the frozen object cannot be edited', () => {
    const plain = testPolicy();
    const frozen = freezePolicy(testPolicy());
    const state = ingest(initialState(), plain, [ok('eu-west', 'use1', 1000, 40), ok('eu-west', 'euw1', 1000, 10)]);
    expect(decide(frozen, state, 2000).table).toEqual(decide(plain, state, 2000).table);
    expect(() => {
      (frozen.services[0] as { ttl: number }).ttl = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(frozen.edges[0]!.check)).toBe(true);
  });

  it('is recognised by identity once compiled, and forgotten by clearCompiledPolicies', () => {
    const frozen = freezePolicy(testPolicy());
    const first = compilePolicy(frozen);
    expect(compilePolicy(frozen)).toBe(first);
    clearCompiledPolicies();
    expect(compilePolicy(frozen)).not.toBe(first);
  });
});
