/**
 * A seeded PRNG (mulberry32): the same seed gives the same sequence on every
 * run and runtime. The probe's jitter schedule is its one production user
 * (seeded from the OS, jitter.ts); tests, fuzzers and benchmarks take it from
 * here (`@edgesteer/probes`) to be reproducible. Not for anything secret.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
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
