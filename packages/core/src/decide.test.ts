import { describe, expect, it } from 'vitest';
import type { Policy } from '@edgesteer/policy/neutral';
import { decide, tableForPolicy } from './table.js';
import { ingest } from './links.js';
import { initialState, linkKey } from './state.js';
import { clearCompiledPolicies } from './compiled-policy.js';
import { tableHash, verifyTableHash } from './table-hash.js';
import { edge, fail, ok, prng, reverseKeys, service, testPolicy } from './test-policy.js';
import type { DecisionState, Observation, RoutingTable } from './types.js';

const T0 = 1_700_000_000_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'];

/** fall (3) consecutive failures of `edgeId` from each region, starting at `at`. */
function downFrom(regions: string[], edgeId: string, at: number): Observation[] {
  return regions.flatMap((r) => [0, 1, 2].map((i) => fail(r, edgeId, at + i)));
}

/** A success of `edgeId` from each region at `at` with RTT `ms`. */
function upFrom(regions: string[], edgeId: string, at: number, ms = 10): Observation[] {
  return regions.map((r) => ok(r, edgeId, at, ms));
}

/** Ingests and decides in one step. */
function step(policy: Policy, state: DecisionState, obs: Observation[], now: number): { table: RoutingTable; state: DecisionState } {
  return decide(policy, ingest(state, policy, obs), now);
}

describe('decide: before any observation', () => {
  it('assumes every edge up and answers from second 0, local edge first', () => {
    const policy = testPolicy();
    const { table, state } = decide(policy, initialState(), T0);
    expect(table.edges).toEqual({ use1: { up: true, drain: false }, euw1: { up: true, drain: false }, aps1: { up: true, drain: false } });
    expect(table.services.cdn!.regions['us-east']).toEqual({ answer: ['use1'], ranked: ['use1', 'euw1', 'aps1'], mode: 'ranked' });
    expect(table.services.cdn!.regions['eu-west']!.answer).toEqual(['euw1']);
    expect(table.services.cdn!.regions['ap-south']!.ranked).toEqual(['aps1', 'use1', 'euw1']);
    expect(state.verdicts.use1!.reason).toBe('no observations yet: assumed up');
    expect(table.version).toBe(1);
    expect(table.generatedAt).toBe(T0);
  });

  it('tableForPolicy is that table', () => {
    const policy = testPolicy();
    expect(tableForPolicy(policy, T0)).toEqual(decide(policy, initialState(), T0).table);
  });
});

describe('decide: quorum across regions', () => {
  it.each<[string, { quorum: number; regions?: number }, string[], boolean, RegExp]>([
    ['no region says down', { quorum: 2 }, [], true, /^up: 0\/3 fresh regions say down \(quorum 2\)$/],
    ['one region down is not an outage', { quorum: 2 }, ['eu-west'], true, /^up: only 1\/3 fresh regions say down \(quorum 2\)$/],
    ['quorum regions down is', { quorum: 2 }, ['eu-west', 'ap-south'], false, /^down: 2\/3 fresh regions say down \(quorum 2\): last failure timeout$/],
    ['all regions down', { quorum: 2 }, REGIONS, false, /^down: 3\/3/],
    ['quorum 1: any region decides', { quorum: 1 }, ['ap-south'], false, /quorum 1/],
    ['quorum above the region count is capped at it (3): two are not enough', { quorum: 5 }, ['eu-west', 'ap-south'], true, /quorum 3/],
    ['quorum above the region count is capped at it (3): three are', { quorum: 5 }, REGIONS, false, /quorum 3/],
  ])('%s', (_name, { quorum }, downRegions, up, reason) => {
    const policy = testPolicy({ health: { quorum, staleAfterMs: 30_000, rttAlpha: 1 } });
    const upRegions = REGIONS.filter((r) => !downRegions.includes(r));
    const { table, state } = step(policy, initialState(), [...downFrom(downRegions, 'use1', T0), ...upFrom(upRegions, 'use1', T0)], T0 + 1000);
    expect(table.edges.use1!.up).toBe(up);
    expect(state.verdicts.use1!.reason).toMatch(reason);
    expect(state.verdicts.use1!.downRegions).toEqual(downRegions);
  });

  it('a single-region policy fails over on its one probe', () => {
    const policy = testPolicy({ regions: [{ id: 'us-east', aws: 'us-east-1', default: true }], edges: [edge('use1', 'us-east'), edge('use2', 'us-east')], services: [service('cdn', ['use1', 'use2'])] });
    const { table } = step(policy, initialState(), downFrom(['us-east'], 'use1', T0), T0 + 1000);
    expect(table.edges.use1!.up).toBe(false);
    expect(table.services.cdn!.regions['us-east']!.answer).toEqual(['use2']);
  });

  it('one partitioned probe never fails an edge over, even when it is the only fresh one', () => {
    const policy = testPolicy();
    // All three regions saw use1 up long ago; now only ap-south reports, and it says down.
    let s = step(policy, initialState(), upFrom(REGIONS, 'use1', T0), T0).state;
    const later = T0 + 60_000;
    const { table, state } = step(policy, s, downFrom(['ap-south'], 'use1', later), later + 1000);
    expect(state.verdicts.use1!.freshRegions).toBe(1);
    expect(table.edges.use1!.up).toBe(true);
    expect(state.verdicts.use1!.reason).toBe('up: only 1/1 fresh regions say down (quorum 2)');
    s = state;
  });
});

describe('decide: freshness and fail-static', () => {
  it('ignores stale down votes', () => {
    const policy = testPolicy();
    const s = step(policy, initialState(), downFrom(['eu-west', 'ap-south'], 'use1', T0), T0 + 1000);
    expect(s.table.edges.use1!.up).toBe(false);
    // 40 s later: the down votes are stale; us-east says up, eu-west too.
    const later = T0 + 40_000;
    const { table, state } = step(policy, s.state, upFrom(['us-east'], 'use1', later), later + 1000);
    expect(state.verdicts.use1!.freshRegions).toBe(1);
    expect(table.edges.use1!.up).toBe(true);
  });

  it('keeps the last verdict when no data is fresh, and never flips everything down', () => {
    const policy = testPolicy();
    const s1 = step(policy, initialState(), [...downFrom(REGIONS, 'use1', T0), ...upFrom(REGIONS, 'euw1', T0), ...upFrom(REGIONS, 'aps1', T0)], T0 + 1000);
    expect(s1.table.edges).toMatchObject({ use1: { up: false }, euw1: { up: true }, aps1: { up: true } });
    const since = s1.state.verdicts.use1!.since;
    // Every probe goes quiet for ten minutes.
    const s2 = decide(policy, s1.state, T0 + 600_000);
    expect(s2.table.edges).toMatchObject({ use1: { up: false }, euw1: { up: true }, aps1: { up: true } });
    expect(s2.state.verdicts.use1!.reason).toBe('no fresh data (newest is 600 s old, stale after 30 s): keeping last verdict (down)');
    expect(s2.state.verdicts.use1!.since).toBe(since);
    expect(s2.table.hash).toBe(s1.table.hash);
    expect(s2.table.version).toBe(s1.table.version);
  });

  it('records when a verdict changed', () => {
    const policy = testPolicy();
    const s1 = decide(policy, initialState(), T0);
    expect(s1.state.verdicts.use1!.since).toBe(T0);
    const s2 = step(policy, s1.state, downFrom(REGIONS, 'use1', T0 + 5000), T0 + 6000);
    expect(s2.state.verdicts.use1!.since).toBe(T0 + 6000);
    const s3 = step(policy, s2.state, downFrom(REGIONS, 'use1', T0 + 7000), T0 + 8000);
    expect(s3.state.verdicts.use1!.since).toBe(T0 + 6000);
  });
});

describe('decide: latency ranking and hysteresis', () => {
  // From eu-west: euw1 starts fastest at 40 ms, use1 at 50 ms. Default margin: 20 % and 2 ms.
  const policy = testPolicy();
  const start = () => step(policy, initialState(), [ok('eu-west', 'euw1', T0, 40), ok('eu-west', 'use1', T0, 50), ok('eu-west', 'aps1', T0, 150)], T0 + 500);
  const route = (t: RoutingTable) => t.services.cdn!.regions['eu-west']!;

  it('ranks by RTT and reports the answer’s RTT', () => {
    const { table } = start();
    expect(route(table)).toEqual({ answer: ['euw1'], ranked: ['euw1', 'use1', 'aps1'], mode: 'ranked', rttMs: 40 });
  });

  it.each<[string, number, number, string]>([
    ['holds when the challenger is only 12.5 % faster', 40, 35, 'euw1'],
    ['holds at 19 % faster', 40, 32.4, 'euw1'],
    ['switches at 25 % and 10 ms faster', 40, 30, 'use1'],
    ['holds when 20 % faster but under 2 ms (5 → 4 ms)', 5, 4, 'euw1'],
    ['switches when 20 % and 2 ms faster (10 → 8 ms)', 10, 8, 'use1'],
  ])('%s', (_name, current, challenger, best) => {
    let s = step(policy, initialState(), [ok('eu-west', 'euw1', T0, current), ok('eu-west', 'use1', T0, current + 10)], T0 + 500);
    expect(route(s.table).answer).toEqual(['euw1']);
    s = step(policy, s.state, [ok('eu-west', 'use1', T0 + 1000, challenger)], T0 + 1500);
    expect(route(s.table).answer).toEqual([best]);
    expect(route(s.table).ranked[0]).toBe(best);
    expect(s.state.best['cdn|eu-west']).toBe(best);
  });

  it('holds the rest of the ranking too: a challenger within the margin stays behind', () => {
    // Until whole-ranking hysteresis, aps1 (34 ms) overtook use1 (35 ms) at #2 on RTT alone.
    let s = start();
    s = step(policy, s.state, [ok('eu-west', 'use1', T0 + 1000, 35), ok('eu-west', 'aps1', T0 + 1000, 34)], T0 + 1500);
    expect(route(s.table).ranked).toEqual(['euw1', 'use1', 'aps1']);
    expect(s.state.order!['cdn|eu-west']).toEqual(['euw1', 'use1', 'aps1']);
  });

  it('switches at once when the current best goes down', () => {
    let s = start();
    s = step(policy, s.state, [ok('eu-west', 'use1', T0 + 1000, 39), ...downFrom(REGIONS, 'euw1', T0 + 1000)], T0 + 1500);
    expect(route(s.table)).toMatchObject({ answer: ['use1'], ranked: ['use1', 'aps1'] });
  });

  it('switches at once when the current best is drained or removed from the service', () => {
    const s = start();
    const drained = testPolicy({ edges: [edge('use1', 'us-east'), edge('euw1', 'eu-west', { drain: true }), edge('aps1', 'ap-south')] });
    expect(route(decide(drained, s.state, T0 + 1000).table).answer).toEqual(['use1']);
    const removed = testPolicy({ services: [service('cdn', ['use1', 'aps1'])] });
    expect(route(decide(removed, s.state, T0 + 1000).table).answer).toEqual(['use1']);
  });

  it('ranks measured edges before unmeasured ones', () => {
    const { table } = step(policy, initialState(), [ok('ap-south', 'euw1', T0, 200)], T0 + 500);
    // aps1 is local to ap-south but has no RTT yet.
    expect(table.services.cdn!.regions['ap-south']!.ranked).toEqual(['euw1', 'aps1', 'use1']);
  });

  it('answers the top `answers` edges', () => {
    const two = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2 })] });
    const { table } = step(two, initialState(), [ok('eu-west', 'euw1', T0, 40), ok('eu-west', 'use1', T0, 50), ok('eu-west', 'aps1', T0, 150)], T0 + 500);
    expect(route(table).answer).toEqual(['euw1', 'use1']);
  });
});

describe('decide: failover and weighted steering', () => {
  it('failover answers the first healthy edge in service order', () => {
    const policy = testPolicy({ services: [service('cdn', ['aps1', 'use1', 'euw1'], { steering: 'failover' })] });
    let s = step(policy, initialState(), [ok('us-east', 'use1', T0, 1), ok('us-east', 'aps1', T0, 300)], T0 + 500);
    expect(s.table.services.cdn!.regions['us-east']).toMatchObject({ answer: ['aps1'], ranked: ['aps1', 'use1', 'euw1'] });
    s = step(policy, s.state, downFrom(REGIONS, 'aps1', T0 + 1000), T0 + 1500);
    expect(s.table.services.cdn!.regions['us-east']).toMatchObject({ answer: ['use1'], ranked: ['use1', 'euw1'] });
  });

  it.each<[string, [number, number, number], string[]]>([
    ['by weight, heaviest first', [10, 50, 30], ['euw1', 'aps1', 'use1']],
    ['weight 0 gets no traffic', [10, 0, 30], ['aps1', 'use1']],
    ['ties in policy order', [20, 20, 20], ['use1', 'euw1', 'aps1']],
    ['all weight 0: all, in policy order', [0, 0, 0], ['use1', 'euw1', 'aps1']],
  ])('weighted: %s', (_name, [w1, w2, w3], ranked) => {
    const policy = testPolicy({
      edges: [edge('use1', 'us-east', { weight: w1 }), edge('euw1', 'eu-west', { weight: w2 }), edge('aps1', 'ap-south', { weight: w3 })],
      services: [service('cdn', ['aps1', 'euw1', 'use1'], { steering: 'weighted' })],
    });
    const { table } = decide(policy, initialState(), T0);
    for (const r of REGIONS) expect(table.services.cdn!.regions[r]).toMatchObject({ ranked, answer: [ranked[0]], mode: 'ranked' });
  });
});

describe('decide: drain, fail-open and fail-closed', () => {
  const drainedEuw1 = [edge('use1', 'us-east'), edge('euw1', 'eu-west', { drain: true }), edge('aps1', 'ap-south')];

  it('never ranks a drained edge, though it stays checked and up', () => {
    const policy = testPolicy({ edges: drainedEuw1 });
    const { table } = step(policy, initialState(), [ok('eu-west', 'euw1', T0, 1), ok('eu-west', 'use1', T0, 90)], T0 + 500);
    expect(table.services.cdn!.regions['eu-west']).toMatchObject({ answer: ['use1'], ranked: ['use1', 'aps1'] });
    expect(table.edges.euw1).toEqual({ up: true, drain: true });
  });

  it('fail-open: all down answers the fallback list, in its order, `answers` of them', () => {
    const policy = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { fallback: ['aps1', 'use1'], answers: 1 })] });
    const obs = ['use1', 'euw1', 'aps1'].flatMap((e) => downFrom(REGIONS, e, T0));
    const a = step(policy, initialState(), obs, T0 + 1000);
    const b = step(policy, initialState(), [...obs].reverse(), T0 + 1000);
    for (const r of REGIONS) expect(a.table.services.cdn!.regions[r]).toEqual({ answer: ['aps1'], ranked: [], mode: 'fallback' });
    expect(b.table).toEqual(a.table);
  });

  it('fail-open with an empty fallback list answers the service edges in policy order, undrained first', () => {
    const policy = testPolicy({ edges: drainedEuw1, services: [service('cdn', ['euw1', 'aps1', 'use1'], { answers: 3 })] });
    const { table } = step(policy, initialState(), ['use1', 'aps1'].flatMap((e) => downFrom(REGIONS, e, T0)), T0 + 1000);
    // euw1 is up but drained: answered only if nothing else is left.
    expect(table.services.cdn!.regions['us-east']).toEqual({ answer: ['aps1', 'use1'], ranked: [], mode: 'fallback' });
  });

  it('fail-open answers drained edges when every edge is drained, up ones first', () => {
    const policy = testPolicy({
      edges: [edge('use1', 'us-east', { drain: true }), edge('euw1', 'eu-west', { drain: true }), edge('aps1', 'ap-south', { drain: true })],
      services: [service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2 })],
    });
    const { table } = step(policy, initialState(), downFrom(REGIONS, 'use1', T0), T0 + 1000);
    expect(table.services.cdn!.regions['eu-west']).toEqual({ answer: ['euw1', 'aps1'], ranked: [], mode: 'fallback' });
  });

  it('fail-closed answers nothing', () => {
    const policy = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { failMode: 'closed' })] });
    const { table } = step(policy, initialState(), ['use1', 'euw1', 'aps1'].flatMap((e) => downFrom(REGIONS, e, T0)), T0 + 1000);
    expect(table.services.cdn!.regions['ap-south']).toEqual({ answer: [], ranked: [], mode: 'closed' });
  });
});

describe('decide: determinism and versions', () => {
  const policy = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2 }), service('api', ['euw1', 'aps1'], { steering: 'failover' })] });
  const obs = [...downFrom(['eu-west', 'ap-south'], 'aps1', T0), ok('us-east', 'euw1', T0, 80), ok('us-east', 'use1', T0, 3), ok('eu-west', 'use1', T0, 70)];

  it('same inputs give the same table and hash, whatever the key order of policy and state', () => {
    const a = step(policy, initialState(), obs, T0 + 1000);
    clearCompiledPolicies();
    const b = step(reverseKeys(policy), reverseKeys(initialState()), obs.map(reverseKeys), T0 + 1000);
    expect(b.table).toEqual(a.table);
    expect(b.table.hash).toBe(a.table.hash);
    expect(b.table.policyHash).toBe(a.table.policyHash);
    const c = decide(reverseKeys(policy), reverseKeys(a.state), T0 + 2000);
    const d = decide(policy, a.state, T0 + 2000);
    expect(c.table.hash).toBe(d.table.hash);
    expect(a.table.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the hash is the documented function of the content', () => {
    const { table } = step(policy, initialState(), obs, T0 + 1000);
    expect(tableHash(table)).toBe(table.hash);
    expect(verifyTableHash(table)).toBe(true);
    const tampered: RoutingTable = JSON.parse(JSON.stringify(table));
    tampered.services.cdn!.regions['us-east']!.answer = ['aps1'];
    expect(verifyTableHash(tampered)).toBe(false);
    const otherPolicy = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2, ttl: 31 }), service('api', ['euw1', 'aps1'], { steering: 'failover' })] });
    expect(step(otherPolicy, initialState(), obs, T0 + 1000).table.hash).not.toBe(table.hash);
  });

  it('version increments only when the hash changes', () => {
    const s1 = step(policy, initialState(), obs, T0 + 1000);
    const s2 = decide(policy, s1.state, T0 + 2000);
    expect([s2.table.version, s2.table.hash]).toEqual([s1.table.version, s1.table.hash]);
    // An RTT change that moves no route: same hash (rttMs is not hashed), same version.
    const s3 = step(policy, s2.state, [ok('us-east', 'use1', T0 + 3000, 4)], T0 + 3500);
    expect(s3.table.services.cdn!.regions['us-east']!.rttMs).toBe(4);
    expect([s3.table.version, s3.table.hash]).toEqual([s1.table.version, s1.table.hash]);
    // A verdict change: new hash, next version.
    const s4 = step(policy, s3.state, downFrom(REGIONS, 'use1', T0 + 4000), T0 + 5000);
    expect(s4.table.hash).not.toBe(s1.table.hash);
    expect(s4.table.version).toBe(s1.table.version + 1);
    expect(s4.state).toMatchObject({ version: s4.table.version, hash: s4.table.hash });
  });

  it('memoised cycles produce exactly what fresh computation does', () => {
    const rand = prng(5);
    const bigger = testPolicy({
      edges: ['use1', 'use2', 'euw1', 'euw2', 'aps1', 'aps2'].map((id) => edge(id, id.startsWith('use') ? 'us-east' : id.startsWith('euw') ? 'eu-west' : 'ap-south', { weight: Math.floor(rand() * 3) * 10 })),
      services: [
        service('cdn', ['use1', 'use2', 'euw1', 'euw2', 'aps1', 'aps2'], { answers: 2, hysteresisPct: 10 }),
        service('api', ['euw2', 'use1', 'aps2'], { steering: 'failover', fallback: ['aps2'] }),
        service('dl', ['use2', 'euw1', 'aps1', 'aps2'], { steering: 'weighted', failMode: 'closed' }),
      ],
    });
    const edges = bigger.edges.map((e) => e.id);
    // Same content, other key order: its own compiled entry, made cold before every use.
    const freshPolicy = reverseKeys(bigger);
    let memoState = initialState();
    let freshState = initialState();
    const modes = new Set<string>();
    const broken = new Map<string, boolean>();
    for (let i = 0; i < 150; i++) {
      const at = T0 + i * 2000;
      // Edges break and heal now and then; a broken edge mostly fails its checks.
      for (const e of edges) if (rand() < 0.15) broken.set(e, !broken.get(e));
      const batch: Observation[] = [];
      for (const r of REGIONS) {
        for (const e of edges) {
          if (rand() < 0.2) continue; // a missed probe round
          batch.push(rand() < (broken.get(e) ? 0.9 : 0.05) ? fail(r, e, at) : ok(r, e, at, 5 + Math.floor(rand() * 60)));
        }
      }
      const memo = step(bigger, memoState, batch, at + 1000);
      clearCompiledPolicies(freshPolicy);
      const fresh = step(freshPolicy, freshState, batch, at + 1000);
      expect(memo.table).toEqual(fresh.table);
      expect(memo.state.order).toEqual(fresh.state.order);
      expect(memo.state.best).toEqual(fresh.state.best);
      // The fast writers in decide() hash exactly what tableHash() computes from the content.
      expect(verifyTableHash(memo.table)).toBe(true);
      for (const svc of Object.values(memo.table.services)) for (const e of Object.values(svc.regions)) modes.add(e.mode);
      memoState = memo.state;
      freshState = fresh.state;
    }
    // The random walk went through every kind of route.
    expect([...modes].sort()).toEqual(['closed', 'fallback', 'ranked']);
  });

  it('drops links of regions and edges that left the policy', () => {
    const s = step(policy, initialState(), [ok('us-east', 'use1', T0), ok('eu-west', 'aps1', T0)], T0 + 500);
    const smaller = testPolicy({ edges: [edge('use1', 'us-east'), edge('euw1', 'eu-west')], services: [service('cdn', ['use1', 'euw1'])] });
    const next = decide(smaller, s.state, T0 + 1000);
    expect(Object.keys(next.state.links)).toEqual([linkKey('us-east', 'use1')]);
    expect(next.table.edges).not.toHaveProperty('aps1');
  });

  it('does not mutate its inputs, and freezes what it shares between tables', () => {
    const s = step(policy, initialState(), obs, T0 + 1000);
    const before = JSON.stringify(s.state);
    const policyText = JSON.stringify(policy);
    const next = decide(policy, s.state, T0 + 2000);
    expect(JSON.stringify(s.state)).toBe(before);
    expect(JSON.stringify(policy)).toBe(policyText);
    expect(Object.isFrozen(next.table.services.cdn!.regions['us-east']!.ranked)).toBe(true);
    expect(() => next.table.services.cdn!.regions['us-east']!.answer.push('x')).toThrow(TypeError);
  });
});
