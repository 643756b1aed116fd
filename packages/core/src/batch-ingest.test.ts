import { describe, expect, it } from 'vitest';
import { ingestBatch, ingestWithStats } from './links.js';
import { initialState } from './state.js';
import { syncStatus } from './sync.js';
import { decide } from './table.js';
import { fail, ok, testPolicy } from './test-policy.js';
import type { DecisionState, Observation } from './types.js';

const T0 = 1_700_000_000_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const EDGES = ['use1', 'euw1', 'aps1'];
const HOME: Record<string, string> = { 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' };
const policy = testPolicy({ health: { quorum: 2, staleAfterMs: 10_000, rttAlpha: 1 } });

/** One probe round from `region` at `at`; edges in `down` fail. Home edge 5 ms, others 50 ms. */
function round(region: string, at: number, down: readonly string[] = []): Observation[] {
  return EDGES.map((e) => (down.includes(e) ? fail(region, e, at) : ok(region, e, at, HOME[region] === e ? 5 : 50)));
}

/** What each region's probe buffered during an outage: one report per second, euw1 dead from `diesAt` on. */
function backlog(from: number, to: number, diesAt: number): Array<{ region: string; observations: Observation[] }> {
  const out: Array<{ region: string; observations: Observation[] }> = [];
  for (let t = from; t <= to; t += 1000) for (const r of REGIONS) out.push({ region: r, observations: round(r, t, t >= diesAt ? ['euw1'] : []) });
  return out;
}

function settled(until: number): DecisionState {
  let s = initialState();
  for (let t = T0; t <= until; t += 1000) s = decide(policy, ingestBatch(s, policy, REGIONS.map((r) => ({ observations: round(r, t) }))).state, t).state;
  return s;
}

describe('ingestBatch: buffered history ingested as a whole and decided once', () => {
  it('decides from where the history ends: one table, the dead edge out of it', () => {
    const before = settled(T0 + 5000);
    const beforeTable = decide(policy, before, T0 + 5000).table;
    expect(beforeTable.services['cdn']!.regions['eu-west']!.answer).toEqual(['euw1']);
    // A 30 s outage; euw1 dies 22 s in; everything arrives at T0+36 s in shuffled order.
    const reports = backlog(T0 + 6000, T0 + 35_000, T0 + 27_000).reverse();
    const r = ingestBatch(before, policy, reports, { now: T0 + 36_000 });
    const d = decide(policy, r.state, T0 + 36_000);
    expect(d.table.services['cdn']!.regions['eu-west']!.answer).toEqual(['use1']);
    expect(d.table.edges['euw1']!.up).toBe(false);
    expect(d.table.version).toBe(beforeTable.version + 1);
    expect(r.ignored).toBe(0);
  });

  it('gives the same table (hash) whatever the arrival order or batching of the same reports', () => {
    const before = settled(T0 + 5000);
    const reports = backlog(T0 + 6000, T0 + 20_000, T0 + 12_000);
    const now = T0 + 21_000;
    const a = decide(policy, ingestBatch(before, policy, reports, { now }).state, now).table;
    const b = decide(policy, ingestBatch(before, policy, [...reports].reverse(), { now }).state, now).table;
    // Two halves, each whole, decided once at the end.
    const half = Math.floor(reports.length / 2);
    const s1 = ingestBatch(before, policy, reports.slice(half), { now }).state;
    const c = decide(policy, ingestBatch(s1, policy, reports.slice(0, half), { now }).state, now).table;
    expect(b.hash).toBe(a.hash);
    // The late first half is older than what each link already reflects: ignored, nothing flips.
    expect(c.hash).toBe(a.hash);
  });

  it.each<[string, Observation[], boolean]>([
    ['an older success does not bring a down link back', [ok('eu-west', 'euw1', T0 + 1000), ok('eu-west', 'euw1', T0 + 2000)], false],
    ['an older failure is ignored as well (nothing is re-counted)', [fail('eu-west', 'euw1', T0 + 1000)], false],
  ])('%s', (_name, late, up) => {
    // Link eu-west|euw1 went down at T0+3..5 s (fall 3).
    const s = ingestWithStats(initialState(), policy, [fail('eu-west', 'euw1', T0 + 3000), fail('eu-west', 'euw1', T0 + 4000), fail('eu-west', 'euw1', T0 + 5000)]).state;
    const r = ingestWithStats(s, policy, late);
    expect(r.state.links['eu-west|euw1']!.up).toBe(up);
    expect(r.ignoredBy.outOfOrder).toBe(late.length);
    expect(r.state).toBe(s);
  });
});

describe('syncStatus (quorum 2, fall 3)', () => {
  const now = T0 + 20_000;
  /** `n` rounds from `region`, the newest at `at`. */
  const rounds = (region: string, at: number, n: number, down: string[] = []) => Array.from({ length: n }, (_, i) => round(region, at - (n - 1 - i) * 100, down)).flat();
  it.each<[string, Observation[], boolean, string[]]>([
    ['no data: unsynced', [], false, []],
    ['one fresh region of quorum 2: unsynced', rounds('us-east', now - 1000, 3), false, ['us-east']],
    ['two fresh regions, settled (fall observations each): synced', [...rounds('us-east', now - 1000, 3), ...rounds('ap-south', now - 2000, 3)], true, ['us-east', 'ap-south']],
    ['two fresh regions, one observation each: a dead edge could not have gone down yet, unsynced', [...round('us-east', now - 1000, ['euw1']), ...round('ap-south', now - 1000, ['euw1'])], false, ['us-east', 'ap-south']],
    ['two regions, one stale: unsynced', [...rounds('us-east', now - 1000, 3), ...rounds('ap-south', now - 11_000, 3)], false, ['us-east']],
  ])('%s', (_name, obs, synced, fresh) => {
    const s = ingestWithStats(initialState(), policy, obs).state;
    const st = syncStatus(policy, s, now);
    expect(st.synced).toBe(synced);
    expect(st.freshRegions).toEqual(fresh);
    expect(st.needed).toBe(2);
    expect(st.lastObservationAt).toBe(obs.length ? Math.max(...obs.map((o) => o.at)) : null);
  });
});
