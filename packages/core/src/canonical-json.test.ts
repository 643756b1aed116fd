import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { CoreError } from './errors.js';
import { prng, reverseKeys } from './test-policy.js';

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [null, 'null'],
    [true, 'true'],
    [0, '0'],
    [-0, '0'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    ['a"b\\c\n\u2028', JSON.stringify('a"b\\c\n\u2028')],
    [[], '[]'],
    [{}, '{}'],
    [{ b: 1, a: [3, { d: 1, c: 2 }] }, '{"a":[3,{"c":2,"d":1}],"b":1}'],
    [{ a: undefined, b: [undefined] }, '{"b":[null]}'],
    // UTF-16 code unit order, as RFC 8785 asks: uppercase before lowercase, "10" before "9".
    [{ b: 1, B: 2, '10': 3, '9': 4, é: 5 }, '{"10":3,"9":4,"B":2,"b":1,"é":5}'],
    [{ at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['NaN', { a: NaN }],
    ['Infinity', [Infinity]],
    ['bigint', { a: 1n }],
    ['function', { f: () => 1 }],
    ['symbol', [Symbol('x')]],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(CoreError);
  });

  it('is the same text whatever the key insertion order, and parses back to the value', () => {
    const rand = prng(3);
    for (let i = 0; i < 50; i++) {
      const value = randomValue(rand, 4);
      const text = canonicalJson(value);
      expect(canonicalJson(reverseKeys(value))).toBe(text);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      expect(text).not.toMatch(/\s(?=(?:[^"]*"[^"]*")*[^"]*$)/); // no whitespace outside strings
    }
  });
});

function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 0 ? 7 : 4));
  switch (pick) {
    case 0:
      return Math.round(rand() * 1e6) / 100;
    case 1:
      return rand() < 0.5;
    case 2:
      return `s ${Math.floor(rand() * 1000)}`;
    case 3:
      return null;
    case 4:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rand() * 5); i++) o[`k${Math.floor(rand() * 20)}`] = randomValue(rand, depth - 1);
      return o;
    }
  }
}
