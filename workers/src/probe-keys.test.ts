import { describe, expect, it } from 'vitest';
import { WorkerError } from './errors.js';
import { parseProbeKeys } from './probe-keys.js';

describe('parseProbeKeys (EDGESTEER_PROBE_KEYS on the Worker)', () => {
  it('reads `id region secret` entries, comments, and rotations', () => {
    const keys = parseProbeKeys('a eu-west 0123456789abcdef0, b us-east fedcba9876543210f\n# old key kept during rotation\na eu-west 1111111111111111a  # new');
    expect([...keys]).toEqual([
      ['a', { region: 'eu-west', secrets: ['0123456789abcdef0', '1111111111111111a'] }],
      ['b', { region: 'us-east', secrets: ['fedcba9876543210f'] }],
    ]);
    expect(parseProbeKeys('').size).toBe(0);
  });

  it.each([
    ['the old id=secret form', 'a=0123456789abcdef0', /old id=secret format.*"a <region> <secret>"/],
    ['a missing region', 'a 0123456789abcdef0', /expected "id region secret"/],
    ['a short secret', 'a eu-west short', /shorter than 16/],
  ])('refuses %s with E_KEYS_INVALID, never echoing a secret', (_what, text, message) => {
    let err: unknown;
    try {
      parseProbeKeys(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ code: 'E_KEYS_INVALID', message });
    expect((err as Error).message).not.toContain('0123456789abcdef0');
  });
});
