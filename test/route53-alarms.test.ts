/**
 * CLOUDWATCH_METRIC health checks: the reconciler writes one alarm per edge
 * (Sum of the probes' per-region Edgesteer/DownVote{Edge} ≥ quorum)
 * before the health check that reads it, diffs alarms like records,
 * refreshes checks whose alarm changed, and cleans alarms up after their
 * checks. Route53 test endpoint + CloudWatch test endpoint (which evaluates
 * alarms against published metrics), both through the real SDK clients.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { reconcileOnce, type ReconcileOptions, type ReconcileResult } from '@edgesteer/route53';
import type { Policy } from '@edgesteer/policy';
import type { RoutingTable } from '@edgesteer/core';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZTESTZONE1';
let ep: Route53Endpoint;
let cw: CloudWatchEndpoint;
// The CloudWatch endpoint's clock, moved by hand: periods are aligned and only complete ones count.
const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
let clock = T0;
beforeEach(async () => {
  clock = T0;
  cw = await startCloudWatchEndpoint({ now: () => clock });
  // Like Route53: a CLOUDWATCH_METRIC check must name an existing alarm.
  ep = await startRoute53Endpoint({ alarmExists: (_region, name) => cw.alarms.has(name) });
  ep.createZone('example.com', ZONE);
});
afterEach(async () => {
  await ep.close();
  await cw.close();
});

const cloudwatchPolicy = (extra: Parameters<typeof makePolicy>[0] = {}): Policy =>
  makePolicy({
    edges: [
      { id: 'eu-1', region: 'eu', ipv4: ['203.0.113.11'], native: false },
      { id: 'us-1', region: 'us', ipv4: ['203.0.113.21'], native: false },
      { id: 'ap-1', region: 'ap', ipv4: ['203.0.113.31'], native: false },
    ],
    ...extra,
  });

function run(policy: Policy, table: RoutingTable, extra: Partial<ReconcileOptions> = {}): Promise<ReconcileResult> {
  return reconcileOnce({
    policy,
    table,
    route53Client: testRoute53Client(ep.url),
    cloudwatchClient: new CloudWatchClient({ ...cw.clientConfig('eu-west-1'), maxAttempts: 1 }),
    cloudwatchRegion: 'eu-west-1',
    apply: true,
    ...FAST,
    ...extra,
  });
}

/**
 * One period of votes the way probes send them: one DownVote{Edge} datapoint
 * per region that reports (1 = down), mid-period, standard resolution; then
 * the period ends and CloudWatch evaluates it.
 */
async function period(votes: Record<string, number[]>): Promise<void> {
  const client = new CloudWatchClient({ ...cw.clientConfig('eu-west-1'), maxAttempts: 1 });
  const mid = clock + 30_000;
  const data = Object.entries(votes).flatMap(([edge, vs]) => vs.map((Value) => ({ MetricName: 'DownVote', Dimensions: [{ Name: 'Edge', Value: edge }], Value, Unit: 'Count' as const, StorageResolution: 60, Timestamp: new Date(mid) })));
  if (data.length > 0) await client.send(new PutMetricDataCommand({ Namespace: 'Edgesteer', MetricData: data }));
  clock += 60_000;
  cw.evaluateAlarms();
}

/** Route53's view of a CLOUDWATCH_METRIC check: the alarm's state (INSUFFICIENT_DATA → last known, here healthy). */
const byAlarm = (h: { config: Record<string, unknown> }): boolean => {
  const name = (h.config['AlarmIdentifier'] as { Name: string } | undefined)?.Name;
  return name === undefined || cw.alarms.get(name)?.StateValue !== 'ALARM';
};

describe('alarms behind CLOUDWATCH_METRIC health checks', () => {
  it('creates one single-metric alarm per edge, then the check that reads it; a second run writes nothing', async () => {
    const policy = cloudwatchPolicy();
    const r = await run(policy, tableFor(policy));
    expect(r.plan.alarms.map((a) => [a.action, a.name])).toEqual([
      ['put', 'edgesteer-acme-ap-1'],
      ['put', 'edgesteer-acme-eu-1'],
      ['put', 'edgesteer-acme-us-1'],
    ]);
    expect(cw.alarms.get('edgesteer-acme-eu-1')).toMatchObject({
      region: 'eu-west-1',
      ActionsEnabled: false,
      Namespace: 'Edgesteer',
      MetricName: 'DownVote',
      Dimensions: [{ Name: 'Edge', Value: 'eu-1' }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // 3 regions, quorum 2: at least 2 down votes in the period.
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'missing',
      AlarmDescription: 'edgesteer owner=acme edge=eu-1: ALARM when at least 2 of 3 probe regions vote the edge down',
    });
    const hc = ep.healthChecks().find((h) => h.tags.get('edgesteer:edge') === 'eu-1')!;
    expect(hc.HealthCheckConfig).toMatchObject({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'eu-west-1', Name: 'edgesteer-acme-eu-1' }, InsufficientDataHealthStatus: 'LastKnownStatus' });

    const writesBefore = cw.calls.filter((c) => c.operation !== 'DescribeAlarms').length;
    const again = await run(policy, tableFor(policy));
    expect(again.plan.empty).toBe(true);
    expect(again.writes).toBe(0);
    expect(cw.calls.filter((c) => c.operation !== 'DescribeAlarms').length).toBe(writesBefore);
  });

  it('probe votes → alarm → Route53 failover down the chain, with no edgesteer process in the loop', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', byAlarm)?.values).toEqual(['203.0.113.11']);
    // One region of three votes us-1 down, two up: not a quorum. Two regions vote eu-1 down: ALARM.
    await period({ 'us-1': [1, 0, 0], 'eu-1': [1, 1, 0] });
    expect(cw.alarms.get('edgesteer-acme-us-1')?.StateValue).toBe('OK');
    expect(cw.alarms.get('edgesteer-acme-eu-1')?.StateValue).toBe('ALARM');
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', byAlarm)?.values).toEqual(['203.0.113.21']);
    // No data for ap-1: INSUFFICIENT_DATA, the check keeps its last status.
    expect(cw.alarms.get('edgesteer-acme-ap-1')?.StateValue).toBe('INSUFFICIENT_DATA');
    expect(ep.evaluate('cdn.example.com', 'A', 'ap-southeast-1', byAlarm)?.values).toEqual(['203.0.113.31']);
    // eu-1 and us-1 both down: Route53 walks the eu chain to its third edge.
    await period({ 'us-1': [1, 1, 1], 'eu-1': [1, 1, 1] });
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', byAlarm)?.values).toEqual(['203.0.113.31']);
    // eu-1 recovers (every region votes up): Route53 answers it again by itself.
    await period({ 'us-1': [1, 1, 1], 'eu-1': [0, 0, 0] });
    expect(cw.alarms.get('edgesteer-acme-eu-1')?.StateValue).toBe('OK');
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', byAlarm)?.values).toEqual(['203.0.113.11']);
  });

  it('missing data never counts as down: one region voting down while the others are silent never fires', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      // The two other regions are partitioned away (no votes at all).
      await period({ 'eu-1': [1] });
      states.push(cw.alarms.get('edgesteer-acme-eu-1')!.StateValue);
    }
    expect(states).toEqual(Array(5).fill('OK'));
    // With quorum 1, the same single vote is enough (the quorum is the policy's, never the number reporting).
    const q1 = cloudwatchPolicy({ quorum: 1 });
    await run(q1, tableFor(q1));
    await period({ 'eu-1': [1] });
    expect(cw.alarms.get('edgesteer-acme-eu-1')!.StateValue).toBe('ALARM');
  });

  it('plan warns when an alarm hears from fewer regions than the quorum', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));
    // Probes publish Health{Edge, ProbeRegion} per check; only eu reports eu-1 and us-1, eu and us report ap-1.
    const client = new CloudWatchClient({ ...cw.clientConfig('eu-west-1'), maxAttempts: 1 });
    const h = (edge: string, region: string) => ({ MetricName: 'Health', Dimensions: [{ Name: 'Edge', Value: edge }, { Name: 'ProbeRegion', Value: region }], Value: 1, StorageResolution: 1, Timestamp: new Date(clock - 30_000) });
    await client.send(new PutMetricDataCommand({ Namespace: 'Edgesteer', MetricData: [h('eu-1', 'eu'), h('us-1', 'eu'), h('ap-1', 'eu'), h('ap-1', 'us')] }));
    const r = await run(policy, tableFor(policy), { apply: false, checkAlarmCoverage: true, clock: () => clock });
    expect(r.plan.warnings.filter((w) => w.startsWith('alarm '))).toEqual([
      'alarm edgesteer-acme-eu-1 has data from 1 of 3 probe regions in the last 5 minutes (needs 2 to ever go to ALARM); no data from: us, ap — run their probes with --cloudwatch',
      'alarm edgesteer-acme-us-1 has data from 1 of 3 probe regions in the last 5 minutes (needs 2 to ever go to ALARM); no data from: us, ap — run their probes with --cloudwatch',
    ]);
  });

  it('diffs alarms; a changed alarm refreshes its check; removed edges lose check then alarm; native edges lose the alarm', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));

    const quorum3 = cloudwatchPolicy({ quorum: 3 });
    ep.resetCalls();
    const q = await run(quorum3, tableFor(quorum3));
    expect(q.plan.alarms.map((a) => [a.action, a.name, a.changed])).toEqual(
      ['ap-1', 'eu-1', 'us-1'].map((e) => ['put', `edgesteer-acme-${e}`, ['description', 'threshold']]),
    );
    // Route53 re-reads alarm settings only on UpdateHealthCheck.
    expect(q.plan.healthChecks.map((h) => [h.action, h.edge, h.refreshAlarm])).toEqual(['ap-1', 'eu-1', 'us-1'].map((e) => ['update', e, true]));
    expect(ep.callCount('UpdateHealthCheck')).toBe(3);
    expect(cw.alarms.get('edgesteer-acme-eu-1')?.Threshold).toBe(3);

    const fewer = cloudwatchPolicy({ quorum: 3, services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['eu-1', 'us-1'] }] });
    const f = await run(fewer, tableFor(fewer), { force: true });
    expect(f.plan.alarms).toEqual([{ action: 'delete', name: 'edgesteer-acme-ap-1', edge: 'ap-1' }]);
    expect(cw.alarms.has('edgesteer-acme-ap-1')).toBe(false);
    expect(ep.healthChecks().some((h) => h.tags.get('edgesteer:edge') === 'ap-1')).toBe(false);

    const native = structuredClone(fewer);
    native.edges.find((e) => e.id === 'us-1')!.check.route53 = 'native';
    const n = await run(native, tableFor(native), { force: true });
    expect(n.plan.healthChecks.map((h) => [h.action, h.edge])).toEqual([['replace', 'us-1']]);
    expect(n.plan.alarms.map((a) => [a.action, a.name])).toEqual([['delete', 'edgesteer-acme-us-1']]);
    expect([...cw.alarms.keys()]).toEqual(['edgesteer-acme-eu-1']);
    expect((await run(native, tableFor(native))).plan.empty).toBe(true);
  });

  it('recreates an alarm deleted behind its back and refreshes the check', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));
    cw.alarms.delete('edgesteer-acme-us-1');
    const r = await run(policy, tableFor(policy));
    expect(r.plan.alarms.map((a) => [a.action, a.name, a.changed])).toEqual([['put', 'edgesteer-acme-us-1', []]]);
    expect(r.plan.healthChecks.map((h) => [h.action, h.edge])).toEqual([['update', 'us-1']]);
    expect(cw.alarms.has('edgesteer-acme-us-1')).toBe(true);
  });

  it('leaves alarms it does not own alone, and retries CloudWatch throttling', async () => {
    const policy = cloudwatchPolicy();
    await run(policy, tableFor(policy));
    // Same name prefix, other owner ("acme-b" vs "acme"): never ours.
    const other = cloudwatchPolicy({ owner: 'acme-b', services: [{ id: 'img', name: 'img.example.com', edges: ['eu-1'] }] });
    cw.injectFault({ kind: 'throttling', operation: 'PutMetricAlarm', times: 2 });
    const r = await run(other, tableFor(other));
    expect(r.plan.alarms.map((a) => [a.action, a.name])).toEqual([['put', 'edgesteer-acme-b-eu-1']]);
    expect(cw.calls.filter((c) => c.errorCode === 'Throttling')).toHaveLength(2);
    const mine = await run(policy, tableFor(policy));
    expect(mine.plan.empty).toBe(true);
    expect(cw.alarms.has('edgesteer-acme-b-eu-1')).toBe(true);
  });
});
