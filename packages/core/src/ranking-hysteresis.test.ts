/**
 * Whole-ranking hysteresis: every place of a latency ranking is sticky, not
 * only the first (rank.ts rankLatencyInto). Noise must move nothing; a
 * clearly faster edge moves up; a dead incumbent leaves at once.
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '@edgesteer/policy/neutral';
import { decide } from './table.js';
import { ingest } from './links.js';
import { initialState } from './state.js';
import { explain } from './explain.js';
import { formatExplanation } from './format-explanation.js';
import { edge, fail, ok, prng, reverseKeys, service, testPolicy } from './test-policy.js';
import { clearCompiledPolicies } from './compiled-policy.js';
import type { DecisionState, Observation, RoutingTable } from './types.js';

const T0 = 1_700_000_000_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const EDGES = ['use1', 'use2', 'euw1', 'euw2', 'aps1', 'aps2'];
const homeOf = (id: string) => (id.startsWith('use') ? 'us-east' : id.startsWith('euw') ? 'eu-west' : 'ap-south');

/** Six edges, two per region; cdn answers one edge, api two. */
function sixEdges(opts: { rttAlpha?: number; hysteresisPct?: number; hysteresisMinMs?: number; drain?: string[]; cdnEdges?: string[] } = {}): Policy {
  const margin = { ...(opts.hysteresisPct !== undefined ? { hysteresisPct: opts.hysteresisPct } : {}), ...(opts.hysteresisMinMs !== undefined ? { hysteresisMinMs: opts.hysteresisMinMs } : {}) };
  return testPolicy({
    edges: EDGES.map((id) => edge(id, homeOf(id), opts.drain?.includes(id) ? { drain: true } : {})),
    services: [service('cdn', opts.cdnEdges ?? EDGES, margin), service('api', EDGES, { answers: 2, ...margin })],
    health: { quorum: 2, staleAfterMs: 30_000, rttAlpha: opts.rttAlpha ?? 1 },
  });
}

/**
 * Base RTT (ms) per client region: the two local edges near-equal, the
 * other regions' pairs near-equal too, so noise reorders them by RTT.
 */
const BASE: Record<string, Record<string, number>> = {
  'us-east': { use1: 10, use2: 10.4, euw1: 80, euw2: 81, aps1: 200, aps2: 204 },
  'eu-west': { use1: 80, use2: 82, euw1: 20, euw2: 20.5, aps1: 120, aps2: 121 },
  'ap-south': { use1: 200, use2: 201, euw1: 120, euw2: 123, aps1: 15, aps2: 15.3 },
};

/** One round of observations with ±noise (fraction) around BASE. */
function noisyRound(rand: () => number, at: number, noise: number, base = BASE): Observation[] {
  return REGIONS.flatMap((r) => EDGES.map((e) => ok(r, e, at, base[r]![e]! * (1 - noise + 2 * noise * rand()))));
}

/** Routes as text, for counting changes. */
function routesOf(table: RoutingTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [sid, s] of Object.entries(table.services)) for (const [rid, e] of Object.entries(s.regions)) out[`${sid}|${rid}`] = `${e.answer.join(',')} / ${e.ranked.join(',')}`;
  return out;
}

/** Runs `cycles` noisy cycles; counts changes after the first (converged) one. */
function runNoise(policy: Policy, noise: number, cycles: number, seed: number): { rankChanges: number; answerChanges: number; versionBumps: number; hashes: Set<string> } {
  const rand = prng(seed);
  let state = initialState();
  let prev: RoutingTable | undefined;
  let rankChanges = 0;
  let answerChanges = 0;
  let versionBumps = 0;
  const hashes = new Set<string>();
  for (let i = 0; i < cycles; i++) {
    const at = T0 + i * 1000;
    const out = decide(policy, ingest(state, policy, noisyRound(rand, at, noise)), at + 500);
    state = out.state;
    if (prev) {
      const a = routesOf(prev);
      const b = routesOf(out.table);
      for (const k of Object.keys(b)) if (a[k] !== b[k]) rankChanges++;
      for (const [sid, s] of Object.entries(out.table.services)) for (const [rid, e] of Object.entries(s.regions)) if (prev.services[sid]!.regions[rid]!.answer.join() !== e.answer.join()) answerChanges++;
      if (out.table.version !== prev.version) versionBumps++;
      hashes.add(out.table.hash);
    }
    prev = out.table;
  }
  return { rankChanges, answerChanges, versionBumps, hashes };
}

describe('whole-ranking hysteresis: noise moves nothing', () => {
  it.each<[string, { rttAlpha: number; noise: number }]>([
    ['±3 % noise, raw samples (rttAlpha 1)', { rttAlpha: 1, noise: 0.03 }],
    ['±8 % noise, raw samples (rttAlpha 1)', { rttAlpha: 1, noise: 0.08 }],
    ['±8 % noise, smoothed (rttAlpha 0.3)', { rttAlpha: 0.3, noise: 0.08 }],
  ])('%s: 200 cycles, zero ranking changes and zero version bumps after the first', (_name, { rttAlpha, noise }) => {
    const held = runNoise(sixEdges({ rttAlpha }), noise, 200, 17);
    expect(held).toMatchObject({ rankChanges: 0, answerChanges: 0, versionBumps: 0 });
    expect(held.hashes.size).toBe(1);
    // The noise is real: without a margin the same inputs reorder rankings
    // (and flip api's second answer) on most cycles.
    const loose = runNoise(sixEdges({ rttAlpha, hysteresisPct: 0, hysteresisMinMs: 0 }), noise, 200, 17);
    expect(loose.rankChanges).toBeGreaterThan(100);
    expect(loose.answerChanges).toBeGreaterThan(10);
    expect(loose.versionBumps).toBeGreaterThan(50);
  });

  it('answers: 2 (and Route53 SECONDARY, ranked[1]) stays put when #2 and #3 are near-equal', () => {
    // From eu-west: euw1 clearly first; use1 and use2 within 1.25 % of each other behind it.
    const base = { ...BASE, 'eu-west': { euw1: 20, use1: 40, use2: 40.5, euw2: 90, aps1: 120, aps2: 121 } };
    const seconds = (policy: Policy) => {
      const rand = prng(3);
      let state = initialState();
      const seen: string[] = [];
      for (let i = 0; i < 200; i++) {
        const at = T0 + i * 1000;
        const { table, state: next } = decide(policy, ingest(state, policy, noisyRound(rand, at, 0.08, base)), at + 500);
        state = next;
        const route = table.services.api!.regions['eu-west']!;
        expect(route.answer).toEqual(route.ranked.slice(0, 2));
        seen.push(route.answer.join(','));
      }
      return seen;
    };
    // Whichever of use1 and use2 the first cycle ranked second keeps that place.
    const held = new Set(seconds(sixEdges()));
    expect(held.size).toBe(1);
    expect(['euw1,use1', 'euw1,use2']).toContain([...held][0]);
    // Without a margin the second answer follows the noise.
    expect(new Set(seconds(sixEdges({ hysteresisPct: 0, hysteresisMinMs: 0 })))).toEqual(new Set(['euw1,use1', 'euw1,use2']));
  });
});

describe('whole-ranking hysteresis: what does move', () => {
  // From eu-west, rttAlpha 1: euw1 40, euw2 50, use1 60, use2 70 → ranked in that order.
  // Default margin: 20 % and 2 ms.
  const policy = sixEdges({ cdnEdges: ['euw1', 'euw2', 'use1', 'use2'] });
  const settle = (): DecisionState =>
    decide(policy, ingest(initialState(), policy, [ok('eu-west', 'euw1', T0, 40), ok('eu-west', 'euw2', T0, 50), ok('eu-west', 'use1', T0, 60), ok('eu-west', 'use2', T0, 70)]), T0 + 500).state;
  const ranked = (t: RoutingTable) => t.services.cdn!.regions['eu-west']!.ranked;

  it('starts in RTT order', () => {
    expect(settle().order!['cdn|eu-west']).toEqual(['euw1', 'euw2', 'use1', 'use2']);
  });

  it.each<[string, number, string[]]>([
    ['beats #1 by 25 %: first', 30, ['use2', 'euw1', 'euw2', 'use1']],
    ['5 % faster than #1, 24 % faster than #2: second', 38, ['euw1', 'use2', 'euw2', 'use1']],
    ['6 % faster than #2, 22 % and 13 ms faster than #3: third', 47, ['euw1', 'euw2', 'use2', 'use1']],
    ['8 % faster than #3: stays fourth', 55, ['euw1', 'euw2', 'use1', 'use2']],
  ])('use2 at %s', (_name, rtt, expected) => {
    const { table } = decide(policy, ingest(settle(), policy, [ok('eu-west', 'use2', T0 + 1000, rtt)]), T0 + 1500);
    expect(ranked(table)).toEqual(expected);
  });

  it('the ms margin applies at every place', () => {
    // Small RTTs: use2 20 % faster than use1 (8 → 6.4 ms) is under 2 ms; at 6 ms it is 2 ms.
    const small = decide(policy, ingest(initialState(), policy, [ok('eu-west', 'euw1', T0, 2), ok('eu-west', 'euw2', T0, 4), ok('eu-west', 'use1', T0, 8), ok('eu-west', 'use2', T0, 20)]), T0 + 500).state;
    const at = (ms: number) => ranked(decide(policy, ingest(small, policy, [ok('eu-west', 'use2', T0 + 1000, ms)]), T0 + 1500).table);
    expect(at(6.4)).toEqual(['euw1', 'euw2', 'use1', 'use2']);
    expect(at(6)).toEqual(['euw1', 'euw2', 'use2', 'use1']);
  });

  it.each<[string, (s: DecisionState) => { policy: Policy; state: DecisionState }]>([
    ['goes down', (s) => ({ policy, state: ingest(s, policy, ['eu-west', 'us-east'].flatMap((r) => [0, 1, 2].map((i) => fail(r, 'euw2', T0 + 2000 + i)))) })],
    ['is drained', (s) => ({ policy: sixEdges({ cdnEdges: ['euw1', 'euw2', 'use1', 'use2'], drain: ['euw2'] }), state: s })],
    ['leaves the service', (s) => ({ policy: sixEdges({ cdnEdges: ['euw1', 'use1', 'use2'] }), state: s })],
  ])('an incumbent at #2 that %s is replaced at once by the next of the previous order', (_name, change) => {
    // use2 creeps to 58 ms: behind use1 (60 ms) by RTT, but within the margin, so use1 holds #3.
    const held = decide(policy, ingest(settle(), policy, [ok('eu-west', 'use2', T0 + 1000, 58)]), T0 + 1500);
    expect(ranked(held.table)).toEqual(['euw1', 'euw2', 'use1', 'use2']);
    const { policy: p, state } = change(held.state);
    const { table, state: next } = decide(p, state, T0 + 2500);
    expect(ranked(table)).toEqual(['euw1', 'use1', 'use2']);
    expect(next.order!['cdn|eu-west']).toEqual(['euw1', 'use1', 'use2']);
  });

  it('an edge that comes back challenges like a new one: it does not reclaim its place within the margin', () => {
    const downObs = ['eu-west', 'us-east'].flatMap((r) => [0, 1, 2].map((i) => fail(r, 'euw2', T0 + 2000 + i)));
    let s = decide(policy, ingest(settle(), policy, downObs), T0 + 2500);
    expect(ranked(s.table)).toEqual(['euw1', 'use1', 'use2']);
    // Back up (rise 2) at 52 ms: 13 % faster than use1, within the margin.
    const upObs = ['eu-west', 'us-east'].flatMap((r) => [0, 1].map((i) => ok(r, 'euw2', T0 + 3000 + i, 52)));
    s = decide(policy, ingest(s.state, policy, upObs), T0 + 3500);
    expect(ranked(s.table)).toEqual(['euw1', 'use1', 'euw2', 'use2']);
    // Clearly faster later: it moves up.
    s = decide(policy, ingest(s.state, policy, [ok('eu-west', 'euw2', T0 + 4000, 45)]), T0 + 4500);
    expect(ranked(s.table)).toEqual(['euw1', 'euw2', 'use1', 'use2']);
  });

  it('failover and weighted orders keep no hysteresis memory', () => {
    const p = testPolicy({ services: [service('fo', ['aps1', 'use1', 'euw1'], { steering: 'failover' }), service('w', ['aps1', 'use1', 'euw1'], { steering: 'weighted' })] });
    const { state } = decide(p, initialState(), T0);
    expect(state.order).toEqual({});
    expect(state.best).toEqual({});
  });
});

describe('whole-ranking hysteresis: state', () => {
  it('a state restored from JSON decides exactly like the live one', () => {
    const policy = sixEdges({ rttAlpha: 0.5 });
    const rand = prng(9);
    let live = initialState();
    let restored = initialState();
    for (let i = 0; i < 60; i++) {
      const at = T0 + i * 1000;
      // Big swings now and then, so rankings really move.
      const obs = noisyRound(rand, at, i % 10 === 5 ? 0.6 : 0.05);
      const a = decide(policy, ingest(live, policy, obs), at + 500);
      const b = decide(policy, ingest(restored, policy, obs), at + 500);
      expect(b.table).toEqual(a.table);
      live = a.state;
      restored = JSON.parse(JSON.stringify(b.state)) as DecisionState;
    }
  });

  it.each<[string, number]>([
    ['an edge flapping every cycle', 1],
    ['an edge flapping every third cycle', 3],
  ])('memoised cycles equal fresh ones: %s while RTTs drift', (_name, period) => {
    // decide() reuses routes, orders and digests of the last cycle and the one
    // before (an edge flapping back); a cold compilation rebuilds everything.
    const policy = testPolicy({
      edges: EDGES.map((id) => edge(id, homeOf(id), { weight: id.endsWith('1') ? 10 : 0 })),
      services: [service('cdn', EDGES, { answers: 2 }), service('fo', ['euw2', 'use1', 'aps2'], { steering: 'failover' }), service('w', EDGES, { steering: 'weighted' })],
      health: { quorum: 2, staleAfterMs: 30_000, rttAlpha: 0.5 },
    });
    const freshPolicy = reverseKeys(policy);
    const rand = prng(23);
    let memoState = initialState();
    let freshState = initialState();
    const rankings = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const at = T0 + i * 1000;
      const down = Math.floor(i / period) % 2 === 0;
      const obs = noisyRound(rand, at, 0.1).filter((o) => o.edge !== 'euw1');
      for (const r of REGIONS) for (let k = 0; k < 3; k++) obs.push(down ? fail(r, 'euw1', at + 1 + k) : ok(r, 'euw1', at + 1 + k, BASE[r]!.euw1! * (0.9 + 0.2 * rand())));
      const memo = decide(policy, ingest(memoState, policy, obs), at + 500);
      clearCompiledPolicies(freshPolicy);
      const fresh = decide(freshPolicy, ingest(freshState, freshPolicy, obs), at + 500);
      expect(memo.table).toEqual(fresh.table);
      expect(memo.state.order).toEqual(fresh.state.order);
      expect(memo.state.best).toEqual(fresh.state.best);
      rankings.add(memo.table.services.cdn!.regions['eu-west']!.ranked.join());
      memoState = memo.state;
      freshState = fresh.state;
    }
    expect(rankings.size).toBeGreaterThan(1); // the flap really moved routes
  });

  it('a state saved before whole-ranking hysteresis (best only) seeds the first place', () => {
    const policy = sixEdges();
    const obs = [ok('eu-west', 'euw1', T0, 20), ok('eu-west', 'euw2', T0, 21), ok('eu-west', 'use1', T0, 80)];
    const old: DecisionState = { links: ingest(initialState(), policy, obs).links, verdicts: {}, best: { 'cdn|eu-west': 'euw2' }, version: 3, hash: 'x' };
    const { table, state } = decide(policy, old, T0 + 500);
    expect(table.services.cdn!.regions['eu-west']!.ranked.slice(0, 3)).toEqual(['euw2', 'euw1', 'use1']);
    expect(state.order!['cdn|eu-west']!.slice(0, 3)).toEqual(['euw2', 'euw1', 'use1']);
    expect(state.best['cdn|eu-west']).toBe('euw2');
  });

  it('an order guessed before measurements is not held once RTTs arrive', () => {
    const policy = sixEdges();
    const cold = decide(policy, initialState(), T0);
    // Before any RTT: local edges first, then policy order; nothing measured to remember.
    expect(cold.table.services.cdn!.regions['eu-west']!.ranked).toEqual(['euw1', 'euw2', 'use1', 'use2', 'aps1', 'aps2']);
    expect(cold.state.order!['cdn|eu-west']).toEqual([]);
    expect(cold.state.best['cdn|eu-west']).toBe('euw1');
    // euw2 is 5 % faster than euw1: within the margin, but euw1's place was a guess.
    const partial = decide(policy, ingest(cold.state, policy, [ok('eu-west', 'euw1', T0 + 1000, 21), ok('eu-west', 'euw2', T0 + 1000, 20), ok('eu-west', 'use1', T0 + 1000, 80)]), T0 + 1500);
    expect(partial.table.services.cdn!.regions['eu-west']!.ranked).toEqual(['euw2', 'euw1', 'use1', 'use2', 'aps1', 'aps2']);
    // Only the measured part is remembered; unmeasured edges follow locality and policy order.
    expect(partial.state.order!['cdn|eu-west']).toEqual(['euw2', 'euw1', 'use1']);
    // From now on the measured places are held: euw1 at 19.5 ms is only 2.5 % faster.
    const held = decide(policy, ingest(partial.state, policy, [ok('eu-west', 'euw1', T0 + 2000, 19.5)]), T0 + 2500);
    expect(held.table.services.cdn!.regions['eu-west']!.ranked.slice(0, 2)).toEqual(['euw2', 'euw1']);
  });

  it('best is the first edge of every ranking', () => {
    const { state } = decide(sixEdges(), ingest(initialState(), sixEdges(), noisyRound(prng(1), T0, 0.05)), T0 + 500);
    expect(Object.keys(state.order!).sort()).toEqual(Object.keys(state.best).sort());
    for (const [k, o] of Object.entries(state.order!)) expect(state.best[k]).toBe(o[0]);
    expect(Object.keys(state.order!)).toHaveLength(2 * REGIONS.length);
  });
});

describe('whole-ranking hysteresis: explain', () => {
  // From eu-west: euw1 40, euw2 50, use1 60, then use1 at 46 ms: 8 % faster than euw2 at #2.
  const policy = sixEdges({ cdnEdges: ['euw1', 'euw2', 'use1'] });
  const state = () => {
    const s = decide(policy, ingest(initialState(), policy, [ok('eu-west', 'euw1', T0, 40), ok('eu-west', 'euw2', T0, 50), ok('eu-west', 'use1', T0, 60)]), T0 + 500).state;
    return ingest(s, policy, [ok('eu-west', 'use1', T0 + 1000, 46)]);
  };

  it('says which place hysteresis held, and against whom', () => {
    const x = explain(policy, state(), 'cdn', 'eu-west', T0 + 1500);
    const { table } = decide(policy, state(), T0 + 1500);
    expect(x.ranked).toEqual(table.services.cdn!.regions['eu-west']!.ranked);
    expect(x.ranked).toEqual(['euw1', 'euw2', 'use1']);
    const byEdge = Object.fromEntries(x.edges.map((e) => [e.edge, e.reason]));
    expect(byEdge.euw2).toBe('kept at #2 by hysteresis: use1 is only 8% faster (46 ms vs 50 ms), needs 20%; not answered (answers: 1)');
    expect(byEdge.use1).toBe('RTT 46 ms, faster than euw2 (#2) but not by the hysteresis margin; not answered (answers: 1)');
    expect(byEdge.euw1).toBe('fastest: RTT 40 ms; answered');
    expect(x.hysteresis).toMatchObject({ position: 1, current: 'euw1', kept: false });
    expect(x.hysteresisNotes).toContainEqual(expect.objectContaining({ position: 2, current: 'euw2', challenger: 'use1', kept: true }));
    expect(formatExplanation(x)).toContain('hysteresis: kept euw2 at #2: use1 is only 8% faster (46 ms vs 50 ms), needs 20%');
  });

  it('says when a place was taken, and when a previous edge dropped out', () => {
    const s = ingest(state(), policy, [ok('eu-west', 'use1', T0 + 2000, 30), ...['eu-west', 'us-east'].flatMap((r) => [0, 1, 2].map((i) => fail(r, 'euw1', T0 + 2000 + i)))]);
    const x = explain(policy, s, 'cdn', 'eu-west', T0 + 2500);
    expect(x.ranked).toEqual(['use1', 'euw2']);
    const byEdge = Object.fromEntries(x.edges.map((e) => [e.edge, e.reason]));
    // euw2 (previous #2) became the incumbent for #1; use1 beats it by the margin.
    expect(byEdge.use1).toBe('fastest: RTT 30 ms; switched from euw2, which it beats by the hysteresis margin; answered');
    expect(x.hysteresisNotes![0]).toMatchObject({ position: 1, current: 'euw1', dropped: 'down', why: 'previous best euw1 is down: dropped at once' });
    expect(x.hysteresis).toMatchObject({ position: 1, current: 'euw2', challenger: 'use1', kept: false });
    expect(formatExplanation(x)).toContain('hysteresis: previous best euw1 is down: dropped at once');
  });
});
