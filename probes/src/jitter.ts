/**
 * Jittered intervals, so probes started together (a fleet rollout, a restart)
 * drift apart instead of hitting every edge in the same millisecond.
 */
import { seededRandom, type Random } from './seeded-random.js';

// Tests pass a seed to get the same schedule every run; production seeds from crypto.
export { seededRandom, type Random };

/** A PRNG seeded from the OS, different per process. */
export function randomSeeded(): Random {
  return seededRandom(crypto.getRandomValues(new Uint32Array(1))[0] ?? Date.now());
}

/** `intervalMs` scaled by a uniform factor in [1 - fraction, 1 + fraction). */
export function jittered(intervalMs: number, random: Random, fraction = 0.1): number {
  return intervalMs * (1 + (random() * 2 - 1) * fraction);
}
