/// <reference types="node" />
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex, sha256HexOf, toHex, utf8 } from './sha256.js';

const nodeHex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
  ])('FIPS 180-4 vector %j', (input, expected) => {
    expect(sha256Hex(input)).toBe(expected);
  });

  it('one million "a" (FIPS vector)', () => {
    expect(sha256Hex('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('matches node:crypto at every length around the padding boundaries', () => {
    const data = randomBytes(200);
    for (let n = 0; n <= 200; n++) expect(sha256Hex(data.subarray(0, n)), `length ${n}`).toBe(nodeHex(data.subarray(0, n)));
  });

  it('matches node:crypto on 1 MiB of random bytes', () => {
    const data = randomBytes(1 << 20);
    expect(sha256Hex(new Uint8Array(data))).toBe(nodeHex(data));
  });

  it('hashes long text (past the reused encode buffer) like node:crypto', () => {
    const s = 'ü€🚀x'.repeat(400_000);
    expect(sha256Hex(s)).toBe(nodeHex(Buffer.from(s, 'utf8')));
    expect(sha256Hex('short again')).toBe(nodeHex('short again'));
  });

  it('hashes text as UTF-8, like node:crypto', () => {
    for (const s of ['héllo', '日本語', 'emoji 🚀 pair', 'lone \ud800 surrogate', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      expect(sha256Hex(s), s).toBe(nodeHex(Buffer.from(s, 'utf8')));
    }
  });

  it('returns 32 raw bytes and hex of them', () => {
    const d = sha256(new Uint8Array([1, 2, 3]));
    expect(d).toHaveLength(32);
    expect(toHex(d)).toBe(nodeHex(new Uint8Array([1, 2, 3])));
  });
});

describe('sha256HexOf (prefix of a reused buffer)', () => {
  it('hashes only the first `length` bytes', () => {
    const data = randomBytes(300);
    for (const n of [0, 1, 55, 56, 64, 119, 300]) expect(sha256HexOf(data, n), `length ${n}`).toBe(nodeHex(data.subarray(0, n)));
  });
});

describe('utf8', () => {
  it.each(['', 'ascii', 'héllo', '日本語', '🚀🚀', 'a\ud800b', 'x\udc00', '\ud83d'])('encodes %j like Buffer', (s) => {
    expect(Array.from(utf8(s))).toEqual(Array.from(Buffer.from(s, 'utf8')));
  });
});
