import { describe, expect, it } from 'vitest';
import type { Observation } from '@edgesteer/core';
import pino from 'pino';
import { CloudWatchPublisher, chunkDatums, observationDatums, voteDatum, PUT_METRIC_DATA_LIMITS } from './cloudwatch.js';

const at = Date.UTC(2026, 0, 1);

describe('observationDatums', () => {
  it('maps an up observation to Health=1, ConnectRtt and FirstByteRtt', () => {
    const d = observationDatums({ probeRegion: 'eu', edge: 'edge-a', at, ok: true, connectMs: 0.5, firstByteMs: 2.25 });
    const dims = [
      { Name: 'Edge', Value: 'edge-a' },
      { Name: 'ProbeRegion', Value: 'eu' },
    ];
    expect(d).toEqual([
      { MetricName: 'Health', Dimensions: dims, Timestamp: new Date(at), Value: 1, Unit: 'None', StorageResolution: 1 },
      { MetricName: 'ConnectRtt', Dimensions: dims, Timestamp: new Date(at), Value: 0.5, Unit: 'Milliseconds', StorageResolution: 1 },
      { MetricName: 'FirstByteRtt', Dimensions: dims, Timestamp: new Date(at), Value: 2.25, Unit: 'Milliseconds', StorageResolution: 1 },
    ]);
  });

  it('maps a failed observation without timings to Health=0 only', () => {
    const d = observationDatums({ probeRegion: 'us', edge: 'edge-b', at, ok: false, reason: 'refused' });
    expect(d.map((x) => [x.MetricName, x.Value, x.Dimensions?.length, x.StorageResolution])).toEqual([
      ['Health', 0, 2, 1],
    ]);
  });
});

describe('down votes', () => {
  it('one standard-resolution DownVote{Edge} per edge per aligned period, mid-period, none while unknown', () => {
    let now = at + 10_000; // first half of the period starting at `at`
    const states: Array<[string, 'up' | 'down' | 'unknown']> = [['a', 'down'], ['b', 'up'], ['c', 'unknown']];
    const sent: unknown[] = [];
    const pub = new CloudWatchPublisher({ awsRegion: 'us-east-1', logger: pino({ level: 'silent' }), client: { send: async (c: { input: { MetricData: unknown[] } }) => void sent.push(...c.input.MetricData), destroy: () => undefined } as never, voteOf: () => states, votePeriodMs: 60_000, now: () => now, flushMs: 3_600_000 });
    pub.collectVotes();
    expect(pub.stats().buffered).toBe(0); // too early in the period
    now = at + 30_000;
    pub.collectVotes();
    pub.collectVotes(); // at most once per period
    expect(pub.stats().buffered).toBe(2);
    now = at + 90_000;
    pub.collectVotes();
    expect(pub.stats().buffered).toBe(4);
    void pub.close();
    expect(voteDatum('a', true, at, 60_000)).toEqual({ MetricName: 'DownVote', Dimensions: [{ Name: 'Edge', Value: 'a' }], Timestamp: new Date(at + 30_000), Value: 1, Unit: 'Count', StorageResolution: 60 });
  });
});

describe('chunkDatums', () => {
  const many = (n: number): Observation[] => Array.from({ length: n }, (_, i) => ({ probeRegion: 'eu', edge: `edge-${i}`, at, ok: true, connectMs: 1, firstByteMs: 2 }));

  it('never exceeds 1000 datums per request and keeps every datum in order', () => {
    const datums = many(700).flatMap(observationDatums); // 2100
    const chunks = chunkDatums(datums, 'Edgesteer');
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 100]);
    expect(chunks.flat()).toEqual(datums);
  });

  it('cuts on the byte budget before the count limit', () => {
    const datums = many(100).flatMap(observationDatums);
    const limits = { maxDatums: PUT_METRIC_DATA_LIMITS.maxDatums, maxBytes: 5_000 };
    const chunks = chunkDatums(datums, 'Edgesteer', limits);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(JSON.stringify({ Namespace: 'Edgesteer', MetricData: c }).length).toBeLessThanOrEqual(5_000);
    expect(chunks.flat()).toHaveLength(datums.length);
  });

  it('returns no chunks for no datums', () => {
    expect(chunkDatums([], 'Edgesteer')).toEqual([]);
  });
});
