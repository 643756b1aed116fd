/**
 * `--cloudwatch`: PutMetricData through the real @aws-sdk/client-cloudwatch
 * to the local CloudWatch endpoint — names, dimensions, units, resolution,
 * region choice, batching within API limits, throttling and refusals.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Observation } from '@edgesteer/core';
import { CloudWatchPublisher, createProbeLogger, runProbeOnce } from '@edgesteer/probes';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { handlers, refusedPort, startHttpEdge, type EdgeServer } from './support/probe-edges.js';
import { testPolicy } from './support/probe-fixtures.js';

// The SDK's default credential chain stops at the environment: never IMDS, never a real account.
process.env.AWS_ACCESS_KEY_ID = 'AKIDPROBETEST';
process.env.AWS_SECRET_ACCESS_KEY = 'probe-test-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_REGION;
delete process.env.AWS_PROFILE;

const quiet = () => createProbeLogger({ probe: 'eu', region: 'eu', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let cw: CloudWatchEndpoint;
let edge: EdgeServer;
let deadPort: number;

beforeAll(async () => {
  cw = await startCloudWatchEndpoint({ host: '127.0.0.26' });
  edge = await startHttpEdge('127.0.0.21', handlers.ok());
  deadPort = await refusedPort('127.0.0.22');
});
afterAll(async () => {
  await Promise.all([cw.close(), edge.close()]);
});
beforeEach(() => cw.reset());

function policy() {
  return testPolicy([
    { id: 'edge-up', region: 'eu', ipv4: ['127.0.0.21'], check: { type: 'http', port: edge.port } },
    { id: 'edge-dead', region: 'us', ipv4: ['127.0.0.22'], check: { type: 'tcp', port: deadPort } },
  ]);
}

describe('probe → CloudWatch', () => {
  it('publishes Health, ConnectRtt and FirstByteRtt per edge with Edge/ProbeRegion dimensions, high resolution', async () => {
    const result = await runProbeOnce({ policy: policy(), region: 'us', logger: quiet(), cloudwatch: { endpoint: cw.url }, env: {} });
    expect(result.ok).toBe(true);
    const puts = cw.calls.filter((c) => c.operation === 'PutMetricData');
    expect(puts).toHaveLength(1);
    // Region: the alarms' region (the policy's health.alarmRegion, default us-east-1), whatever the probe's region.
    expect(puts[0]).toMatchObject({ region: 'us-east-1', accessKeyId: 'AKIDPROBETEST', status: 200 });

    // Per region, high resolution (dashboards, and the plan's "which regions report" check).
    const regional = cw.metrics.filter((m) => m.Dimensions.length === 2);
    const byKey = Object.fromEntries(regional.map((m) => [`${m.Dimensions.find((d) => d.Name === 'Edge')!.Value}/${m.MetricName}`, m]));
    expect(Object.keys(byKey).sort()).toEqual(['edge-dead/Health', 'edge-up/ConnectRtt', 'edge-up/FirstByteRtt', 'edge-up/Health']);
    for (const m of regional) {
      expect(m.Namespace).toBe('Edgesteer');
      expect(m.Dimensions).toEqual([
        { Name: 'Edge', Value: m.Dimensions[0]!.Value },
        { Name: 'ProbeRegion', Value: 'us' },
      ]);
      expect(m.StorageResolution).toBe(1);
    }
    expect(byKey['edge-up/Health']).toMatchObject({ Value: 1, Unit: 'None' });
    expect(byKey['edge-dead/Health']).toMatchObject({ Value: 0, Unit: 'None' });
    const up = result.observations.find((o) => o.edge === 'edge-up')!;
    expect(byKey['edge-up/ConnectRtt']).toMatchObject({ Unit: 'Milliseconds', Value: up.connectMs, Timestamp: up.at });
    expect(byKey['edge-up/FirstByteRtt']).toMatchObject({ Unit: 'Milliseconds', Value: up.firstByteMs });
  });

  it('publishes to the policy\'s alarm region, never AWS_REGION or its own region, and a custom namespace', async () => {
    const p = policy();
    (p.health as { alarmRegion?: string }).alarmRegion = 'eu-central-1';
    const result = await runProbeOnce({ policy: p, region: 'eu', logger: quiet(), cloudwatch: { endpoint: cw.url, namespace: 'Edgesteer/Staging' }, env: { AWS_REGION: 'ap-southeast-2' } });
    expect(result.ok).toBe(true);
    expect(cw.calls[0]).toMatchObject({ operation: 'PutMetricData', region: 'eu-central-1' });
    expect(new Set(cw.metrics.map((m) => m.Namespace))).toEqual(new Set(['Edgesteer/Staging']));
  });

  it('takes the endpoint from AWS_ENDPOINT_URL; a probe in eu still publishes to the alarms\' default region us-east-1', async () => {
    const result = await runProbeOnce({ policy: policy(), region: 'eu', logger: quiet(), cloudwatch: true, env: { AWS_ENDPOINT_URL: cw.url, AWS_REGION: 'eu-west-1' } });
    expect(result.ok).toBe(true);
    expect(cw.calls[0]).toMatchObject({ operation: 'PutMetricData', region: 'us-east-1' });
  });
});

describe('CloudWatchPublisher', () => {
  const client = () => new CloudWatchClient({ ...cw.clientConfig('eu-west-1'), maxAttempts: 3 });
  const obs = (n: number): Observation[] =>
    Array.from({ length: n }, (_, i) => ({ probeRegion: 'eu', edge: `edge-${i}`, at: Date.now(), ok: i % 7 !== 0, connectMs: 0.5 + i / 1000, firstByteMs: 1.5 }));

  it('splits large flushes into requests of at most 1000 datums (gzip above 10 KiB) and delivers every datum', async () => {
    const pub = new CloudWatchPublisher({ awsRegion: 'eu-west-1', client: client(), logger: quiet(), flushMs: 60_000 });
    const batch = obs(900); // 900 × 3 = 2700 datums (Health, ConnectRtt, FirstByteRtt)
    for (const o of batch) pub.add(o);
    expect(await pub.flush()).toBe(true);
    const puts = cw.calls.filter((c) => c.operation === 'PutMetricData');
    expect(puts.map((c) => (c.input.MetricData as unknown[]).length)).toEqual([1000, 1000, 700]);
    expect(puts.every((c) => c.gzip)).toBe(true);
    expect(cw.metrics).toHaveLength(2700);
    expect(pub.stats()).toMatchObject({ sent: 2700, requests: 3, errors: 0, dropped: 0, buffered: 0 });
    await pub.close();
  });

  it('rides out throttling (the SDK retries) without losing data', async () => {
    cw.injectFault({ kind: 'throttling', operation: 'PutMetricData', times: 1 });
    const pub = new CloudWatchPublisher({ awsRegion: 'eu-west-1', client: client(), logger: quiet(), flushMs: 60_000 });
    for (const o of obs(5)) pub.add(o);
    expect(await pub.flush()).toBe(true);
    expect(cw.calls.map((c) => c.errorCode ?? c.status)).toEqual(['Throttling', 200]);
    expect(cw.metrics).toHaveLength(15);
    await pub.close();
  });

  it('keeps a batch that failed past the SDK retries and sends it on the next flush', async () => {
    cw.injectFault({ kind: 'internal', times: 3 });
    const pub = new CloudWatchPublisher({ awsRegion: 'eu-west-1', client: client(), logger: quiet(), flushMs: 60_000 });
    for (const o of obs(4)) pub.add(o);
    expect(await pub.flush()).toBe(false);
    expect(pub.stats()).toMatchObject({ errors: 1, buffered: 12, sent: 0 });
    expect(pub.stats().lastError).toMatch(/InternalServiceFault/);
    expect(await pub.flush()).toBe(true);
    expect(cw.metrics).toHaveLength(12);
    await pub.close();
  });

  it('drops (and counts) a batch CloudWatch refuses as invalid instead of retrying it forever', async () => {
    const pub = new CloudWatchPublisher({ awsRegion: 'eu-west-1', namespace: 'AWS/EC2', client: client(), logger: quiet(), flushMs: 60_000 });
    for (const o of obs(2)) pub.add(o);
    expect(await pub.flush()).toBe(false);
    expect(cw.calls.at(-1)).toMatchObject({ errorCode: 'InvalidParameterValue', status: 400 });
    expect(pub.stats()).toMatchObject({ dropped: 6, buffered: 0 });
    expect(pub.stats().lastError).toMatch(/^InvalidParameterValueException/);
    await pub.close();
  });

  it('--once exits non-zero-worthy (ok=false) when CloudWatch is unreachable', async () => {
    const port = await refusedPort('127.0.0.26');
    const result = await runProbeOnce({ policy: policy(), region: 'eu', logger: quiet(), cloudwatch: { endpoint: `http://127.0.0.26:${port}`, maxAttempts: 1 }, env: {}, graceMs: 5000 });
    expect(result.ok).toBe(false);
    expect(result.stats.cloudwatch).toMatchObject({ errors: 1, sent: 0 });
  });
});
