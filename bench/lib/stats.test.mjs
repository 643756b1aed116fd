import { describe, expect, it } from 'vitest';
import { max, median, percentile } from './stats.mjs';

describe('percentile (nearest rank on a sorted array)', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  it.each([
    [0.5, 50],
    [0.99, 99],
    [0.999, 100],
    [1, 100],
    [0, 1],
    [0.01, 1],
  ])('q=%s → %s', (q, want) => {
    expect(percentile(sorted, q)).toBe(want);
  });
  it('is NaN for no samples and the only value for one', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([7], 0.99)).toBe(7);
  });
});

describe('median and max', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, NaN, 1], 3],
    [[], NaN],
  ])('median(%j) = %s', (values, want) => {
    if (Number.isNaN(want)) expect(median(values)).toBeNaN();
    else expect(median(values)).toBe(want);
  });
  it('does not reorder its input', () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
  });
  it('max skips non-finite values and is NaN when none is left', () => {
    expect(max([1, Infinity, 5, NaN])).toBe(5);
    expect(max([NaN])).toBeNaN();
  });
});
