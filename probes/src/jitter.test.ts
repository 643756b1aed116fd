import { describe, expect, it } from 'vitest';
import { jittered, seededRandom } from './jitter.js';

describe('jitter', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('keeps intervals within ±10% and spreads them', () => {
    const r = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => jittered(5000, r));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(4500);
    expect(Math.max(...values)).toBeLessThan(5500);
    // Spread across the range, not clustered: both outer fifths are used.
    expect(values.some((v) => v < 4700)).toBe(true);
    expect(values.some((v) => v > 5300)).toBe(true);
  });

  it('honours a custom fraction', () => {
    const r = seededRandom(1);
    for (let i = 0; i < 100; i++) {
      const v = jittered(1000, r, 0.5);
      expect(v).toBeGreaterThanOrEqual(500);
      expect(v).toBeLessThan(1500);
    }
  });
});
