import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchHash, ifNoneMatchHits } from './etag.js';
import { parseListen } from './listen.js';
import { loadProbeKeys, parseProbeKeys, readProbeKeyFile } from './probe-keys.js';
import { Ring } from './ring.js';

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['8081', { host: '127.0.0.1', port: 8081 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%s', (v, want) => expect(parseListen(v)).toEqual(want));
  it.each(['', 'host', ':80', '127.0.0.1:99999', '::1:80', '1.2.3.4:http'])('rejects %j', (v) => {
    expect(() => parseListen(v)).toThrow(/E_LISTEN_INVALID|not host:port/);
  });
});

describe('If-None-Match', () => {
  it.each([
    ['"abc"', 'abc', true],
    ['W/"abc"', 'abc', true],
    ['abc', 'abc', true],
    ['"x", "abc"', 'abc', true],
    ['*', 'abc', true],
    ['"abd"', 'abc', false],
    ['', 'abc', false],
  ])('%j vs %s → %s', (h, hash, want) => expect(ifNoneMatchHits(h, hash)).toBe(want));
  it('extracts the hash', () => {
    expect(ifNoneMatchHash('W/"abc", "d"')).toBe('abc');
    expect(ifNoneMatchHash('*')).toBeUndefined();
  });
});

describe('probe keys', () => {
  it('parses env syntax, key-file lines with rotation and comments, and JSON', () => {
    expect([...parseProbeKeys('a=0123456789abcdef0,b=fedcba98765432100', 'env')]).toEqual([
      ['a', ['0123456789abcdef0']],
      ['b', ['fedcba98765432100']],
    ]);
    expect([...parseProbeKeys('a=0123456789abcdef0\n# comment\n\n a = 1111111111111111\n', 'file')]).toEqual([['a', ['0123456789abcdef0', '1111111111111111']]]);
    expect([...parseProbeKeys('{"a": ["0123456789abcdef0", "1111111111111111"], "b": "fedcba98765432100"}', 'json')]).toEqual([
      ['a', ['0123456789abcdef0', '1111111111111111']],
      ['b', ['fedcba98765432100']],
    ]);
  });
  it.each([
    ['a', /expected probe-id=secret/],
    ['=secret0123456789', /expected probe-id=secret/],
    ['a=short', /shorter than 16/],
    ['{"a": 5}', /string or a list of strings/],
    ['{"a": ', /not valid JSON/],
  ])('rejects %j', (text, re) => expect(() => parseProbeKeys(text, 'k')).toThrow(re));
  it('refuses to start with no keys at all', () => {
    expect(() => loadProbeKeys({ env: {} })).toThrow(/no probe keys/);
  });
  it('refuses a key file other users can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgesteer-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, 'a=0123456789abcdef0\n', { mode: 0o644 });
      chmodSync(file, 0o644);
      expect(() => readProbeKeyFile(file)).toThrow(/chmod 600/);
      chmodSync(file, 0o600);
      expect(readProbeKeyFile(file).get('a')).toEqual(['0123456789abcdef0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Ring', () => {
  it('keeps the newest items', () => {
    const r = new Ring<number>(3);
    r.push(1, 2);
    r.push(3, 4, 5);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.newest(2)).toEqual([5, 4]);
    expect(r.size).toBe(3);
  });
});
