import { describe, expect, it } from 'vitest';
import { explain } from './explain.js';
import { formatExplanation } from './format-explanation.js';
import { decide } from './table.js';
import { ingest } from './links.js';
import { initialState } from './state.js';
import { CoreError } from './errors.js';
import { edge, fail, ok, prng, service, testPolicy } from './test-policy.js';
import type { DecisionState, Observation } from './types.js';

const T0 = 1_700_000_000_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const down = (regions: string[], e: string, at: number, detail?: string): Observation[] =>
  regions.flatMap((r) => [0, 1, 2].map((i) => ({ ...fail(r, e, at + i, 'status'), ...(detail ? { detail } : {}) })));

/** eu-west measured euw1 40 ms, use1 50 ms, then use1 37 ms; aps1 failing (HTTP 503) from two regions. */
function scenario(): { policy: ReturnType<typeof testPolicy>; state: DecisionState } {
  const policy = testPolicy();
  let state = decide(policy, ingest(initialState(), policy, [ok('eu-west', 'euw1', T0, 40), ok('eu-west', 'use1', T0, 50)]), T0 + 500).state;
  state = ingest(state, policy, [ok('eu-west', 'use1', T0 + 1000, 37), ...down(['us-east', 'eu-west'], 'aps1', T0 + 1000, 'HTTP 503')]);
  return { policy, state };
}

describe('explain', () => {
  it('says why each edge is where it is', () => {
    const { policy, state } = scenario();
    const x = explain(policy, state, 'cdn', 'eu-west', T0 + 1500);
    expect(x).toMatchObject({ service: 'cdn', region: 'eu-west', steering: 'latency', mode: 'ranked', answer: ['euw1'], ranked: ['euw1', 'use1'], rttMs: 40 });
    const byEdge = Object.fromEntries(x.edges.map((e) => [e.edge, e]));
    expect(byEdge.euw1).toMatchObject({ position: 1, inRanking: true, inAnswer: true, up: true, rttMs: 40, reason: 'kept by hysteresis: use1 is only 7.5% faster (37 ms vs 40 ms), needs 20%; answered' });
    expect(byEdge.use1).toMatchObject({ position: 2, inAnswer: false, rttMs: 37 });
    expect(byEdge.use1!.reason).toMatch(/not by the hysteresis margin; not answered \(answers: 1\)$/);
    expect(byEdge.aps1).toMatchObject({ position: null, inRanking: false, up: false, reason: 'down: 2/2 fresh regions say down (quorum 2): last failure status (HTTP 503)' });
    expect(byEdge.aps1!.probe).toMatchObject({ up: false, failStreak: 3, fresh: true, lastFailure: 'status (HTTP 503)' });
    expect(x.hysteresis).toMatchObject({ current: 'euw1', challenger: 'use1', kept: true });
    expect(x.edges.map((e) => e.edge)).toEqual(['euw1', 'use1', 'aps1']);
  });

  it.each<[string, () => { policy: ReturnType<typeof testPolicy>; obs: Observation[] }, string, RegExp]>([
    ['drained', () => ({ policy: testPolicy({ edges: [edge('use1', 'us-east'), edge('euw1', 'eu-west', { drain: true }), edge('aps1', 'ap-south')] }), obs: [] }), 'euw1', /^drained$/],
    ['no RTT yet', () => ({ policy: testPolicy(), obs: [ok('eu-west', 'use1', T0, 30)] }), 'aps1', /^no RTT yet: ranked after measured edges/],
    ['first by locality before any RTT', () => ({ policy: testPolicy(), obs: [] }), 'euw1', /^no RTT yet from this region; first by locality/],
    ['failover order', () => ({ policy: testPolicy({ services: [service('cdn', ['aps1', 'use1', 'euw1'], { steering: 'failover' })] }), obs: [] }), 'aps1', /^first healthy edge in failover order; answered$/],
    ['weight', () => ({ policy: testPolicy({ services: [service('cdn', ['aps1', 'use1', 'euw1'], { steering: 'weighted' })] }), obs: [] }), 'use1', /^weight 100; answered$/],
    [
      'fail-open fallback',
      () => ({ policy: testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { fallback: ['aps1'] })] }), obs: ['use1', 'euw1', 'aps1'].flatMap((e) => down(REGIONS, e, T0)) }),
      'aps1',
      /^answered as fail-open fallback: down: 3\/3 fresh regions/,
    ],
    [
      'fail-closed',
      () => ({ policy: testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { failMode: 'closed' })] }), obs: ['use1', 'euw1', 'aps1'].flatMap((e) => down(REGIONS, e, T0)) }),
      'use1',
      /\(fail-closed: nothing answered\)$/,
    ],
  ])('reason: %s', (_name, make, edgeId, reason) => {
    const { policy, obs } = make();
    const x = explain(policy, ingest(initialState(), policy, obs), 'cdn', 'eu-west', T0 + 1000);
    expect(x.edges.find((e) => e.edge === edgeId)!.reason).toMatch(reason);
  });

  it('describes exactly what decide() answers', () => {
    const rand = prng(21);
    const policy = testPolicy({ services: [service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2 }), service('api', ['aps1', 'euw1'], { steering: 'failover', failMode: 'closed' })] });
    let state = initialState();
    for (let i = 0; i < 40; i++) {
      const at = T0 + i * 1000;
      const obs = REGIONS.flatMap((r) => ['use1', 'euw1', 'aps1'].map((e) => (rand() < 0.7 ? ok(r, e, at, 10 + Math.floor(rand() * 50)) : fail(r, e, at))));
      state = ingest(state, policy, obs);
      const { table, state: next } = decide(policy, state, at + 500);
      for (const svc of ['cdn', 'api']) {
        for (const r of REGIONS) {
          const x = explain(policy, state, svc, r, at + 500);
          const entry = table.services[svc]!.regions[r]!;
          expect({ answer: x.answer, ranked: x.ranked, mode: x.mode, rttMs: x.rttMs }).toEqual({ answer: entry.answer, ranked: entry.ranked, mode: entry.mode, rttMs: entry.rttMs });
        }
      }
      state = next;
    }
  });

  it('finds a service by DNS name, and refuses unknown names with a code', () => {
    const { policy, state } = scenario();
    expect(explain(policy, state, 'CDN.example.com.', 'eu-west', T0).service).toBe('cdn');
    expect(() => explain(policy, state, 'nope', 'eu-west', T0)).toThrow(expect.objectContaining({ code: 'E_CORE_UNKNOWN_SERVICE' }));
    expect(() => explain(policy, state, 'cdn', 'mars', T0)).toThrow(CoreError);
    expect(() => explain(policy, state, 'cdn', 'mars', T0)).toThrow(/regions: us-east, eu-west, ap-south/);
  });
});

describe('formatExplanation', () => {
  it('renders a header, one row per edge and the verdicts', () => {
    const { policy, state } = scenario();
    const text = formatExplanation(explain(policy, state, 'cdn', 'eu-west', T0 + 1500));
    const lines = text.split('\n');
    expect(lines[0]).toBe('cdn (cdn.example.com) for clients in eu-west at 2023-11-14T22:13:21.500Z');
    expect(lines[1]).toBe('latency steering, mode ranked: answer euw1 (RTT 40 ms)');
    expect(text).toContain('hysteresis: kept euw1: use1 is only 7.5% faster (37 ms vs 40 ms), needs 20%');
    expect(text).toMatch(/^ {2}1 +euw1 +eu-west +up +- +40 ms +kept by hysteresis/m);
    expect(text).toMatch(/^ {2}- +aps1 +ap-south +down +- +- +down: .*last failure status \(HTTP 503\)$/m);
    expect(text).toContain('verdicts (across regions):');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says so when the answer is empty', () => {
    const policy = testPolicy({ services: [service('cdn', ['use1'], { failMode: 'closed' })] });
    const state = ingest(initialState(), policy, down(REGIONS, 'use1', T0));
    const text = formatExplanation(explain(policy, state, 'cdn', 'us-east', T0 + 10));
    expect(text).toContain('answer (empty: NODATA)');
    expect(text).toContain('failMode is closed');
  });
});
