import { describe, expect, it } from 'vitest';
import type { Observation } from '@edgesteer/core';
import { chunkDatums, observationDatums, PUT_METRIC_DATA_LIMITS } from './cloudwatch.js';

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
      { MetricName: 'Health', Dimensions: [{ Name: 'Edge', Value: 'edge-a' }], Timestamp: new Date(at), Value: 1, Unit: 'None', StorageResolution: 60 },
      { MetricName: 'ConnectRtt', Dimensions: dims, Timestamp: new Date(at), Value: 0.5, Unit: 'Milliseconds', StorageResolution: 1 },
      { MetricName: 'FirstByteRtt', Dimensions: dims, Timestamp: new Date(at), Value: 2.25, Unit: 'Milliseconds', StorageResolution: 1 },
    ]);
  });

  it('maps a failed observation without timings to Health=0 only', () => {
    const d = observationDatums({ probeRegion: 'us', edge: 'edge-b', at, ok: false, reason: 'refused' });
    expect(d.map((x) => [x.MetricName, x.Value, x.Dimensions?.length, x.StorageResolution])).toEqual([
      ['Health', 0, 2, 1],
      ['Health', 0, 1, 60],
    ]);
  });
});

describe('chunkDatums', () => {
  const many = (n: number): Observation[] => Array.from({ length: n }, (_, i) => ({ probeRegion: 'eu', edge: `edge-${i}`, at, ok: true, connectMs: 1, firstByteMs: 2 }));

  it('never exceeds 1000 datums per request and keeps every datum in order', () => {
    const datums = many(700).flatMap(observationDatums); // 2800
    const chunks = chunkDatums(datums, 'Edgesteer');
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 800]);
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
