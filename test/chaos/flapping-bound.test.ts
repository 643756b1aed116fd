/**
 * Flapping, over simulated minutes: core's real ingest() + decide() driven
 * with a clock, three probe regions checking three edges every second. For
 * each flap pattern the answer changes per minute (summed over client
 * regions) are counted and held to a bound derived from rise/fall:
 *
 *   a link needs `fall` failures in a row to go down and `rise` successes to
 *   come back, so it flips at most twice per (rise + fall) checks; the edge
 *   (quorum of links) and each client region's answer flip at most as often:
 *   bound = 2 · 60 s / ((rise + fall) · interval) answer changes per minute
 *   per client region.
 *
 * Latency flaps are held by hysteresis: an edge whose RTT swings between
 * 3 ms and 30 ms against a steady 16 ms edge (EWMA 14.1 ↔ 18.9 ms) must not move the answer back
 * and forth; the same run without hysteresis shows what it would cost.
 */
import { describe, expect, it } from 'vitest';
import { decide, ingest, initialState, type DecisionState, type Observation } from '@edgesteer/core';
import { seededRandom } from '@edgesteer/probes';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { chaosLine, scale } from './support/report.js';
import { chaosPolicyInput, EDGES, REGIONS } from './support/stack.js';

const INTERVAL = 1000;
const RISE = 2;
const FALL = 3;
const MINUTES = scale(10, 120);

function policy(hysteresis = true): Policy {
  const input = chaosPolicyInput({ ports: {}, intervalMs: INTERVAL, rise: RISE, fall: FALL, staleAfterMs: 10_000 });
  if (!hysteresis) input.services = input.services.map((s) => ({ ...s, hysteresisPct: 0, hysteresisMinMs: 0 }));
  return PolicySchema.parse(input);
}

/** Base RTT (ms) from each region to each edge: every region has a clear favourite, except where a test overrides. */
const BASE_RTT: Record<string, Record<string, number>> = {
  'us-east': { use1: 8, euw1: 80, aps1: 200 },
  'eu-west': { use1: 80, euw1: 8, aps1: 120 },
  'ap-south': { use1: 200, euw1: 120, aps1: 8 },
};

type Pattern = (check: number, region: string, edge: string) => { ok: boolean; rtt?: number };

/** Runs the simulation; returns answer changes (after the first minute of warm-up) and verdict flips. */
function simulate(p: Policy, pattern: Pattern, minutes = MINUTES): { changes: number; flips: number; perMinute: number } {
  let state: DecisionState = initialState();
  const t0 = 1_700_000_000_000;
  const checks = (minutes * 60_000) / INTERVAL;
  let prev: Record<string, string> | undefined;
  let prevUp: Record<string, boolean> | undefined;
  let changes = 0;
  let flips = 0;
  const warmup = 60_000 / INTERVAL;
  for (let i = 0; i < checks + warmup; i++) {
    const now = t0 + i * INTERVAL;
    const obs: Observation[] = [];
    for (const region of REGIONS) {
      for (const edge of EDGES) {
        const r = pattern(i, region, edge);
        const rtt = r.rtt ?? BASE_RTT[region]![edge]!;
        obs.push(r.ok ? { probeRegion: region, edge, at: now, ok: true, connectMs: rtt, firstByteMs: rtt + 1 } : { probeRegion: region, edge, at: now, ok: false, reason: 'status', detail: 'HTTP 503' });
      }
    }
    state = ingest(state, p, obs);
    const out = decide(p, state, now + 1);
    state = out.state;
    const answers = Object.fromEntries(REGIONS.map((r) => [r, out.table.services['cdn']!.regions[r]!.answer.join(',')]));
    const up = Object.fromEntries(EDGES.map((e) => [e, out.table.edges[e]!.up]));
    if (i >= warmup && prev) {
      for (const r of REGIONS) if (answers[r] !== prev[r]) changes++;
      for (const e of EDGES) if (up[e] !== prevUp![e]) flips++;
    }
    prev = answers;
    prevUp = up;
  }
  return { changes, flips, perMinute: changes / minutes };
}

const BOUND_PER_REGION = (2 * 60_000) / ((RISE + FALL) * INTERVAL);
const BOUND = BOUND_PER_REGION * REGIONS.length;

describe('flapping edges are held by rise/fall and hysteresis (simulated minutes, real decide())', () => {
  // Seeded so the random flap is the same on every run.
  const rand = seededRandom(42);
  const cases: Array<{ name: string; pattern: Pattern; expectMax: number; expectMin?: number }> = [
    { name: 'euw1 up/down on alternate checks from every region', pattern: (i, _r, e) => ({ ok: e !== 'euw1' || i % 2 === 0 }), expectMax: 0 },
    {
      // The worst case for rise/fall: exactly `fall` failures, then exactly `rise` successes, forever.
      name: `euw1 down ${FALL} checks / up ${RISE} checks (worst case for rise/fall)`,
      pattern: (i, _r, e) => ({ ok: e !== 'euw1' || i % (RISE + FALL) >= FALL }),
      expectMax: BOUND,
      expectMin: 1,
    },
    { name: 'euw1 failing 40% of checks at random', pattern: (_i, _r, e) => ({ ok: e !== 'euw1' || rand() >= 0.4 }), expectMax: BOUND },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = simulate(policy(), c.pattern);
      chaosLine(`flap (simulated ${MINUTES} min, 1 s checks): ${c.name}`, `answer changes ≤ ${c.expectMax}/min (rise ${RISE}, fall ${FALL}, 3 client regions)`, {
        extra: [`answer changes ${r.changes} (${r.perMinute.toFixed(1)}/min)`, `verdict flips ${r.flips}`],
      });
      expect(r.perMinute).toBeLessThanOrEqual(c.expectMax);
      if (c.expectMin !== undefined) expect(r.changes, 'the worst case must really flap (the bound is measured, not vacuous)').toBeGreaterThanOrEqual(c.expectMin);
    });
  }

  it('an edge whose RTT swings 3 ms ↔ 30 ms against a steady 16 ms edge: hysteresis holds the answer', () => {
    // eu-west clients: euw1 swings, use1 is a steady 15 ms, aps1 far away.
    const pattern: Pattern = (i, region, edge) => {
      if (region !== 'eu-west') return { ok: true };
      if (edge === 'euw1') return { ok: true, rtt: i % 2 === 0 ? 3 : 30 };
      if (edge === 'use1') return { ok: true, rtt: 16 };
      return { ok: true };
    };
    const held = simulate(policy(true), pattern);
    const loose = simulate(policy(false), pattern);
    chaosLine(`RTT flap (simulated ${MINUTES} min): euw1 3 ↔ 30 ms vs use1 16 ms from eu-west`, 'hysteresis holds the answer: ≤ 1 answer change/min', {
      extra: [`answer changes ${held.changes} (${held.perMinute.toFixed(2)}/min)`, `without hysteresis ${loose.changes} (${loose.perMinute.toFixed(1)}/min)`],
    });
    expect(held.perMinute).toBeLessThanOrEqual(1);
    // The fault is real: without hysteresis the same inputs do move the answer.
    expect(loose.changes).toBeGreaterThan(held.changes);
  });
});
