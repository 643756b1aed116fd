import { describe, expect, it } from 'vitest';
import { ingest, ingestWithStats } from './links.js';
import { initialState, linkKey } from './state.js';
import { edge, fail, ok, prng, testPolicy } from './test-policy.js';
import type { Observation } from './types.js';

const T0 = 1_700_000_000_000;
// rise 2, fall 3 on every edge of the test policy.
const policy = testPolicy({ health: { quorum: 2, staleAfterMs: 30_000, rttAlpha: 0.5 } });

function run(results: boolean[]): { up: boolean; okStreak: number; failStreak: number } {
  const obs = results.map((r, i) => (r ? ok('eu-west', 'use1', T0 + i * 1000) : fail('eu-west', 'use1', T0 + i * 1000)));
  const link = ingest(initialState(), policy, obs).links[linkKey('eu-west', 'use1')]!;
  return { up: link.up, okStreak: link.okStreak, failStreak: link.failStreak };
}

describe('ingest: rise/fall per link (rise 2, fall 3)', () => {
  it.each<[string, boolean[], boolean]>([
    ['one timeout is not an outage', [false], true],
    ['fall-1 failures stay up', [false, false], true],
    ['fall failures go down', [false, false, false], false],
    ['a success resets the failure streak', [false, false, true, false, false], true],
    ['rise-1 successes stay down', [false, false, false, true], false],
    ['rise successes come back up', [false, false, false, true, true], true],
    ['a failure resets the success streak', [false, false, false, true, false, true], false],
    ['down again after fall more failures', [false, false, false, true, true, false, false, false], false],
  ])('%s', (_name, results, up) => {
    expect(run(results).up).toBe(up);
  });

  it('counts streaks', () => {
    expect(run([true, true, false, false])).toEqual({ up: true, okStreak: 0, failStreak: 2 });
    expect(run([false, true, true, true])).toEqual({ up: true, okStreak: 3, failStreak: 0 });
  });

  it('uses each edge’s own thresholds', () => {
    const p = testPolicy({ edges: [edge('use1', 'us-east', { check: { type: 'tcp', port: 1, rise: 1, fall: 1 } }), edge('euw1', 'eu-west'), edge('aps1', 'ap-south')] });
    const s = ingest(initialState(), p, [fail('eu-west', 'use1', T0), fail('eu-west', 'euw1', T0)]);
    expect(s.links[linkKey('eu-west', 'use1')]!.up).toBe(false);
    expect(s.links[linkKey('eu-west', 'euw1')]!.up).toBe(true);
  });

  it('remembers the last failure reason and detail', () => {
    const s = ingest(initialState(), policy, [{ ...fail('eu-west', 'use1', T0, 'status'), detail: 'HTTP 503' }, ok('eu-west', 'use1', T0 + 1)]);
    expect(s.links[linkKey('eu-west', 'use1')]).toMatchObject({ lastReason: 'status', lastDetail: 'HTTP 503', lastAt: T0 + 1, samples: 2 });
  });
});

describe('ingest: RTT', () => {
  const timed = (at: number, t: { connectMs?: number; firstByteMs?: number }): Observation => ({ probeRegion: 'us-east', edge: 'euw1', at, ok: true, ...t });

  it('is an EWMA of firstByteMs over successes only (alpha 0.5)', () => {
    const s = ingest(initialState(), policy, [
      timed(T0, { connectMs: 1, firstByteMs: 100 }),
      timed(T0 + 1, { connectMs: 1, firstByteMs: 50 }),
      fail('us-east', 'euw1', T0 + 2),
      timed(T0 + 3, { connectMs: 1, firstByteMs: 25 }),
    ]);
    // 100 → 75 → (failure ignored) → 50; connectMs is not used when there is a first byte.
    expect(s.links[linkKey('us-east', 'euw1')]!.rttMs).toBe(50);
  });

  it.each<[string, { connectMs?: number; firstByteMs?: number }, number | undefined]>([
    ['HTTP: first byte preferred over connect time', { connectMs: 3, firstByteMs: 42 }, 42],
    ['TCP-only observation (no first byte): connectMs', { connectMs: 7 }, 7],
    ['first byte alone', { firstByteMs: 42 }, 42],
    ['no timing at all: stays unmeasured', {}, undefined],
  ])('sample: %s', (_name, t, rtt) => {
    const s = ingest(initialState(), policy, [timed(T0, t)]);
    expect(s.links[linkKey('us-east', 'euw1')]!.rttMs).toBe(rtt);
  });

  it('TCP-only observations average their connectMs (alpha 0.5)', () => {
    const s = ingest(initialState(), policy, [ok('us-east', 'euw1', T0, 100), ok('us-east', 'euw1', T0 + 1, 50), fail('us-east', 'euw1', T0 + 2), ok('us-east', 'euw1', T0 + 3, 25)]);
    expect(s.links[linkKey('us-east', 'euw1')]!.rttMs).toBe(50);
  });

  it('stays unmeasured until a timed success arrives', () => {
    const s = ingest(initialState(), policy, [{ probeRegion: 'us-east', edge: 'euw1', at: T0, ok: true }, fail('us-east', 'euw1', T0 + 1)]);
    expect(s.links[linkKey('us-east', 'euw1')]!.rttMs).toBeUndefined();
  });
});

describe('ingest: what is ignored', () => {
  it('counts unknown regions and edges, late, duplicate and future observations', () => {
    const first = ingest(initialState(), policy, [ok('us-east', 'use1', T0 + 10)]);
    const res = ingestWithStats(
      first,
      policy,
      [
        ok('mars', 'use1', T0 + 20),
        ok('us-east', 'nope', T0 + 20),
        ok('us-east', 'use1', T0 + 5), // older than the link's newest
        ok('us-east', 'use1', T0 + 10), // same instant: duplicate
        ok('us-east', 'use1', T0 + 60_000), // beyond now + 10 s
        ok('us-east', 'use1', T0 + 20),
      ],
      { now: T0 + 30 },
    );
    expect(res.ignoredBy).toEqual({ unknownRegion: 1, unknownEdge: 1, outOfOrder: 2, future: 1 });
    expect(res.ignored).toBe(5);
    expect(res.accepted).toBe(1);
    expect(res.state.links[linkKey('us-east', 'use1')]!.samples).toBe(2);
  });

  it('keeps the input state untouched and returns it as is when nothing was accepted', () => {
    const s1 = ingest(initialState(), policy, [ok('us-east', 'use1', T0)]);
    const snapshot = JSON.stringify(s1);
    const s2 = ingest(s1, policy, [fail('us-east', 'use1', T0 + 1), ok('eu-west', 'use1', T0 + 1)]);
    expect(JSON.stringify(s1)).toBe(snapshot);
    expect(s2.links[linkKey('us-east', 'use1')]!.failStreak).toBe(1);
    expect(ingest(s2, policy, [ok('us-east', 'use1', T0)])).toBe(s2);
  });
});

describe('ingest: order independence', () => {
  it('gives the same state for any arrival order, in one batch or many', () => {
    const rand = prng(11);
    const obs: Observation[] = [];
    for (let i = 0; i < 300; i++) {
      const region = ['us-east', 'eu-west', 'ap-south'][Math.floor(rand() * 3)]!;
      const e = ['use1', 'euw1', 'aps1'][Math.floor(rand() * 3)]!;
      const at = T0 + Math.floor(rand() * 100); // many same-instant collisions
      obs.push(rand() < 0.6 ? ok(region, e, at, Math.round(rand() * 100)) : fail(region, e, at, rand() < 0.5 ? 'timeout' : 'refused'));
    }
    const sorted = [...obs].sort((a, b) => a.at - b.at);
    const reference = ingest(initialState(), policy, sorted);
    for (let trial = 0; trial < 5; trial++) {
      const shuffled = [...obs].sort(() => rand() - 0.5);
      expect(ingest(initialState(), policy, shuffled)).toEqual(reference);
    }
  });

  it('gives the same state for time-ordered batches as for one batch', () => {
    const rand = prng(12);
    const obs: Observation[] = [];
    for (let i = 0; i < 300; i++) {
      const region = ['us-east', 'eu-west', 'ap-south'][Math.floor(rand() * 3)]!;
      const e = ['use1', 'euw1', 'aps1'][Math.floor(rand() * 3)]!;
      obs.push(rand() < 0.6 ? ok(region, e, T0 + i, Math.round(rand() * 100)) : fail(region, e, T0 + i));
    }
    const reference = ingest(initialState(), policy, obs);
    let s = initialState();
    for (let i = 0; i < obs.length; i += 37) s = ingest(s, policy, obs.slice(i, i + 37));
    expect(s).toEqual(reference);
  });
});
