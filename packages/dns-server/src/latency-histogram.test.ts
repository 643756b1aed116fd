import { describe, expect, it } from 'vitest';
import { addLatency, emptyLatency, LATENCY_BUCKETS_SECONDS, LatencyHistogram } from './latency-histogram.js';
import { renderDnsMetrics } from './metrics-http.js';
import { DnsCounters } from './metrics.js';

describe('LatencyHistogram', () => {
  it.each([
    [0.0005, 0], // 0.5 µs → le 2 µs
    [0.002, 0], // exactly on a bound → that bucket (le is inclusive)
    [0.0021, 1],
    [0.02, 3], // 20 µs → le 25 µs
    [0.5, 7], // 500 µs → le 1 ms
    [250, LATENCY_BUCKETS_SECONDS.length], // 250 ms → +Inf
  ])('puts %f ms in bucket %i', (ms, bucket) => {
    const h = new LatencyHistogram(1);
    h.observe(ms);
    const s = h.snapshot();
    expect(s.counts.findIndex((c) => c === 1)).toBe(bucket);
    expect(s.count).toBe(1);
    expect(s.sumSeconds).toBeCloseTo(ms / 1000, 12);
  });

  it.each([
    [1, 10, 10],
    [4, 10, 3], // queries 1, 5, 9
    [16, 40, 3], // queries 1, 17, 33
  ])('with sampleEvery %i times %i queries %i times', (every, queries, timed) => {
    const h = new LatencyHistogram(every);
    for (let i = 0; i < queries; i++) h.stop(h.start());
    expect(h.snapshot().count).toBe(timed);
  });

  it('sums snapshots of several processes', () => {
    const a = new LatencyHistogram(1);
    const b = new LatencyHistogram(1);
    a.observe(0.001);
    b.observe(0.001);
    b.observe(5);
    const sum = emptyLatency();
    addLatency(sum, a.snapshot());
    addLatency(sum, b.snapshot());
    addLatency(sum, undefined);
    expect(sum.count).toBe(3);
    expect(sum.counts[0]).toBe(2);
    expect(sum.counts.reduce((x, y) => x + y, 0)).toBe(3);
  });
});

describe('renderDnsMetrics', () => {
  it('renders counters, a cumulative histogram and the table, with escaped labels (prom-client)', async () => {
    const c = new DnsCounters();
    c.count({ rcode: 0, service: 'cdn', region: 'eu-west', truncated: false }, 'udp');
    c.count({ rcode: 3, service: undefined, region: undefined, truncated: false }, 'tcp');
    c.latency.observe(0.003);
    c.latency.observe(0.003);
    c.latency.observe(2);
    const text = await renderDnsMetrics(
      { ...c.counts(), table: { version: 7, hash: 'h"1', generatedAt: 1_000_000, ageMs: 2500, source: 'controller', lastSyncAt: 1_002_000, stale: false }, processes: 1, rrl: { dropped: 4, slipped: 2 } },
      { cpuSeconds: 1.5, residentBytes: 1024 },
    );
    const lines = text.split('\n');
    expect(lines).toContain('edgesteer_dns_queries_total{transport="udp"} 1');
    expect(lines).toContain('edgesteer_dns_responses_total{rcode="NXDOMAIN"} 1');
    expect(lines).toContain('edgesteer_dns_region_answers_total{region="eu-west"} 1');
    expect(lines).toContain('edgesteer_dns_service_answers_total{service="cdn"} 1');
    expect(lines).toContain('edgesteer_dns_answer_duration_seconds_bucket{le="0.000005"} 2');
    expect(lines).toContain('edgesteer_dns_answer_duration_seconds_bucket{le="0.001"} 2');
    expect(lines).toContain('edgesteer_dns_answer_duration_seconds_bucket{le="0.01"} 3');
    expect(lines).toContain('edgesteer_dns_answer_duration_seconds_bucket{le="+Inf"} 3');
    expect(lines).toContain('edgesteer_dns_answer_duration_seconds_count 3');
    expect(lines).toContain('edgesteer_dns_table_version 7');
    expect(lines).toContain('edgesteer_dns_table_age_seconds 2.5');
    expect(lines).toContain('edgesteer_dns_table_info{hash="h\\"1",source="controller"} 1');
    expect(lines).toContain('edgesteer_dns_controller_last_sync_timestamp_seconds 1002');
    expect(lines).toContain('edgesteer_dns_rrl_limited_total{action="dropped"} 4');
    expect(lines).toContain('edgesteer_dns_rrl_limited_total{action="slipped"} 2');
    expect(lines.filter((l) => l.startsWith('# TYPE edgesteer_dns_answer_duration_seconds histogram'))).toHaveLength(1);
  });
});
