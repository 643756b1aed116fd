import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchHash, ifNoneMatchHits } from './etag.js';
import { Ring } from './ring.js';

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
