import { describe, expect, it } from 'vitest';
import { parseProbeKeys } from './probe-keys.js';

describe('parseProbeKeys', () => {
  it('reads comma- and newline-separated pairs, comments, and rotations', () => {
    const keys = parseProbeKeys('a=0123456789abcdef0, b=fedcba9876543210f\n# old key kept during rotation\na=1111111111111111a  # new');
    expect([...keys]).toEqual([
      ['a', ['0123456789abcdef0', '1111111111111111a']],
      ['b', ['fedcba9876543210f']],
    ]);
    expect(parseProbeKeys('').size).toBe(0);
  });

  const bad: Array<[string, string]> = [
    ['no =', 'probe-without-secret'],
    ['empty id', '=0123456789abcdef0'],
    ['short secret', 'a=short'],
  ];
  for (const [what, text] of bad) {
    it(`refuses ${what} with E_KEYS_INVALID, never echoing a secret`, () => {
      expect(() => parseProbeKeys(text)).toThrowError(expect.objectContaining({ code: 'E_KEYS_INVALID' }) as Error);
      try {
        parseProbeKeys(text);
      } catch (err) {
        expect((err as Error).message).not.toContain('0123456789abcdef0');
      }
    });
  }
});
