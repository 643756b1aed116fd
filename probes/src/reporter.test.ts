import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Observation, Report } from '@edgesteer/core';
import { ReportSchema } from '@edgesteer/core';
import { Reporter } from './reporter.js';

const obs = (i: number): Observation => ({ probeRegion: 'eu', edge: `e${i}`, at: 1_000 + i, ok: true });

function collector() {
  const reports: Report[] = [];
  return { reports, enqueue: (r: Report) => reports.push(r) };
}

afterEach(() => vi.useRealTimers());

describe('Reporter', () => {
  it('closes a batch at batchMax observations, as valid reports', () => {
    const sink = collector();
    const r = new Reporter({ probeId: 'p', region: 'eu', sinks: [sink], batchMax: 3, flushMs: 10_000, now: () => 5_000 });
    for (let i = 0; i < 7; i++) r.add(obs(i));
    expect(sink.reports.map((x) => x.observations.length)).toEqual([3, 3]);
    r.flush();
    expect(sink.reports.map((x) => x.observations.length)).toEqual([3, 3, 1]);
    for (const rep of sink.reports) expect(ReportSchema.parse(rep)).toEqual(rep);
    expect(sink.reports.flatMap((x) => x.observations.map((o) => o.edge))).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('closes a batch flushMs after its first observation', () => {
    vi.useFakeTimers();
    const sink = collector();
    const r = new Reporter({ probeId: 'p', region: 'eu', sinks: [sink], flushMs: 200 });
    r.add(obs(1));
    vi.advanceTimersByTime(150);
    r.add(obs(2));
    expect(sink.reports).toHaveLength(0);
    vi.advanceTimersByTime(50);
    expect(sink.reports).toHaveLength(1);
    expect(sink.reports[0]!.observations).toHaveLength(2);
  });

  it('gives every sink the same report', () => {
    const a = collector();
    const b = collector();
    const r = new Reporter({ probeId: 'p', region: 'eu', sinks: [a, b] });
    r.add(obs(1));
    r.flush();
    expect(a.reports).toEqual(b.reports);
    expect(a.reports[0]).toBe(b.reports[0]);
  });

  it('numbers reports max(previous + 1, wall clock), so a restarted probe continues above its old seq', () => {
    let clock = 10_000;
    const sink = collector();
    const r = new Reporter({ probeId: 'p', region: 'eu', sinks: [sink], now: () => clock });
    for (const c of [10_000, 10_000, 10_000, 20_000]) {
      clock = c;
      r.add(obs(1));
      r.flush();
    }
    expect(sink.reports.map((x) => x.seq)).toEqual([10_000, 10_001, 10_002, 20_000]);
    // A restart one ms later starts above everything sent before.
    const restarted = new Reporter({ probeId: 'p', region: 'eu', sinks: [sink], now: () => 20_001 });
    restarted.add(obs(1));
    expect(restarted.flush()!.seq).toBe(20_001);
  });

  it('sends nothing without sinks and nothing for an empty batch', () => {
    const r = new Reporter({ probeId: 'p', region: 'eu', sinks: [] });
    r.add(obs(1));
    expect(r.flush()).toBeUndefined();
    expect(r.stats().reports).toBe(0);
  });
});
