import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';

describe('base64url', () => {
  it('round-trips every length and byte value', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
      const text = encodeBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeBase64Url(text)).toEqual(bytes);
    }
  });

  it('matches the RFC 8484 §4.1.1 example', () => {
    // www.example.com A, id 0, RD.
    const text = 'AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB';
    const bytes = decodeBase64Url(text)!;
    expect(bytes.length).toBe(33);
    expect(encodeBase64Url(bytes)).toBe(text);
  });

  const invalid: Array<[string, string]> = [
    ['+ and / (standard alphabet)', 'ab+/'],
    ['whitespace', 'ab cd'],
    ['non-ASCII', 'abé'],
    ['4n+1 length', 'abcde'],
    ['padding in the middle', 'ab=c'],
    ['three padding characters', 'a==='],
    ['padding on an unaligned length', 'abc=='],
    ['non-canonical trailing bits', 'AB'],
  ];
  for (const [what, text] of invalid) {
    it(`refuses ${what}`, () => {
      expect(decodeBase64Url(text)).toBeUndefined();
    });
  }

  it('accepts canonical padding', () => {
    expect(decodeBase64Url('AA==')).toEqual(new Uint8Array([0]));
    expect(decodeBase64Url('AAA=')).toEqual(new Uint8Array([0, 0]));
  });
});
