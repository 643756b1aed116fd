/**
 * Jittered intervals, so probes started together (a fleet rollout, a restart)
 * drift apart instead of hitting every edge in the same millisecond.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny seeded PRNG. Tests pass a seed to get the same schedule
 * every run; production seeds from crypto.
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded from the OS, different per process. */
export function randomSeeded(): Random {
  return seededRandom(crypto.getRandomValues(new Uint32Array(1))[0] ?? Date.now());
}

/** `intervalMs` scaled by a uniform factor in [1 - fraction, 1 + fraction). */
export function jittered(intervalMs: number, random: Random, fraction = 0.1): number {
  return intervalMs * (1 + (random() * 2 - 1) * fraction);
}
