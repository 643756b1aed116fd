/**
 * Route53 on its own: after one `apply`, no controller and no reconciler
 * runs; only the three probes (one per policy region) publish their per-period
 * DownVote to the CloudWatch test endpoint, whose alarms back the Route53
 * CLOUDWATCH_METRIC health checks. What Route53 answers is read from the
 * Route53 test endpoint's `evaluate()`, with each check's state taken from its
 * alarm (ALARM = unhealthy, INSUFFICIENT_DATA = last known status).
 *
 * 1. One probe region partitioned for 3 minutes (3 regions, quorum 2): that
 *    region votes every edge down the whole time → zero alarm transitions to
 *    ALARM, zero Route53 answer changes.
 * 2. An edge dies and later recovers, edgesteer stopped: Route53's answers
 *    follow both, down the failover chain and back, with the seconds it took.
 *
 * Compressed time: the CloudWatch endpoint runs alarm periods 30× faster
 * (`periodScale: 30`: the alarms' 60 s Period lasts 2 s of wall clock, periods
 * aligned to multiples of 2 s) and the probes vote every 2 s
 * (`votePeriodMs: 2000`), so "3 minutes" is 3 periods = 6 s here; the probes
 * check every 400 ms (390 ms timeout, generous for a loaded CI box). Reported seconds are wall clock, with the equivalent at
 * real 60 s periods (×30) alongside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';
import { tableForPolicy } from '@edgesteer/core';
import { reconcileOnce } from '@edgesteer/route53';
import { startProbe, type ProbeHandle } from '@edgesteer/probes';
import { startCloudWatchEndpoint, type AlarmState, type CloudWatchEndpoint } from '../support/cloudwatch-endpoint.js';
import { startRoute53Endpoint, type Route53Endpoint } from '../support/route53-endpoint.js';
import { startHttpEdge, refusedPort, type EdgeServer } from '../support/probe-edges.js';
import { FAST, testRoute53Client } from '../support/route53/fixtures.js';
import { chaosLine } from './support/report.js';

const SCALE = 30;
const PERIOD_MS = 60_000 / SCALE;
const ZONE = 'ZROUTE53ALONE';
const REGIONS = [
  { id: 'us-east', aws: 'us-east-1' },
  { id: 'eu-west', aws: 'eu-west-1' },
  { id: 'ap-south', aws: 'ap-southeast-1' },
] as const;
const EDGE_IP: Record<string, string> = { use1: '127.0.0.151', euw1: '127.0.0.152', aps1: '127.0.0.153' };
const EDGE_REGION: Record<string, string> = { use1: 'us-east', euw1: 'eu-west', aps1: 'ap-south' };

let cw: CloudWatchEndpoint;
let ep: Route53Endpoint;
let policy: Policy;
const edges: Record<string, EdgeServer> = {};
const down = new Set<string>();
const transitions: Array<{ alarm: string; from: AlarmState; to: AlarmState; at: number }> = [];
let probes: ProbeHandle[] = [];

function makePolicy(ports: Record<string, number>): Policy {
  const input: PolicyInput = {
    version: 1,
    owner: 'alone',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }], route53: { hostedZoneId: ZONE } }],
    regions: REGIONS.map((r, i) => ({ id: r.id, aws: r.aws, default: i === 0 })),
    edges: Object.keys(EDGE_IP).map((id) => ({ id, region: EDGE_REGION[id]!, ipv4: [EDGE_IP[id]!], check: { type: 'http' as const, port: ports[id]!, path: '/health', intervalMs: 400, timeoutMs: 390, rise: 2, fall: 3 } })),
    services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: Object.keys(EDGE_IP) }],
    health: { quorum: 2 },
  };
  return PolicySchema.parse(input);
}

const cwClient = (): CloudWatchClient => new CloudWatchClient({ ...cw.clientConfig('us-east-1'), maxAttempts: 2 });

function probeFor(region: string, p: Policy): ProbeHandle {
  return startProbe({ policy: p, region, logLevel: 'silent', cloudwatch: { client: cwClient(), votePeriodMs: PERIOD_MS, flushMs: 200 } });
}

/**
 * Route53's view of a CLOUDWATCH_METRIC check: unhealthy in ALARM, healthy in
 * OK, the last known of those in INSUFFICIENT_DATA (InsufficientDataHealthStatus: LastKnownStatus).
 */
const lastKnown = new Map<string, boolean>();
function checkHealthy(h: { config: Record<string, unknown> }): boolean {
  const name = (h.config['AlarmIdentifier'] as { Name: string } | undefined)?.Name ?? '';
  const state = cw.alarms.get(name)?.StateValue;
  if (state === 'ALARM' || state === 'OK') lastKnown.set(name, state === 'OK');
  return lastKnown.get(name) ?? true;
}
const answers = (): Record<string, string> =>
  Object.fromEntries(REGIONS.map((r) => [r.id, ep.evaluate('cdn.example.com', 'A', r.aws, checkHealthy)?.values.join(',') ?? '']));

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; alarms: ${JSON.stringify([...cw.alarms.values()].map((a) => [a.AlarmName, a.StateValue]))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  cw = await startCloudWatchEndpoint({ periodScale: SCALE, evaluateEveryMs: 50, onStateChange: (alarm, from, to, at) => transitions.push({ alarm, from, to, at }) });
  ep = await startRoute53Endpoint({ alarmExists: (_region, name) => cw.alarms.has(name) });
  ep.createZone('example.com', ZONE);
  for (const id of Object.keys(EDGE_IP)) {
    edges[id] = await startHttpEdge(EDGE_IP[id]!, (_req, res) => {
      res.writeHead(down.has(id) ? 503 : 200);
      res.end(down.has(id) ? 'down' : 'ok');
    });
  }
  policy = makePolicy(Object.fromEntries(Object.entries(edges).map(([id, e]) => [id, e.port])));
  // One apply, then edgesteer is gone: no controller, no reconcile loop.
  const r = await reconcileOnce({ policy, table: tableForPolicy(policy, Date.now()), route53Client: testRoute53Client(ep.url), cloudwatchClient: cwClient(), apply: true, ...FAST });
  expect(r.applied?.failedChanges).toEqual([]);
  probes = REGIONS.map((reg) => probeFor(reg.id, policy));
  // Every alarm hears all three regions vote "up" for a full period.
  await waitFor('every alarm OK', () => [...cw.alarms.values()].length === 3 && [...cw.alarms.values()].every((a) => a.StateValue === 'OK'), 8 * PERIOD_MS);
}, 60_000);

afterAll(async () => {
  await Promise.all(probes.map((p) => p.stop(200)));
  await Promise.all(Object.values(edges).map((e) => e.close()));
  await ep?.close();
  await cw?.close();
});

describe('Route53 on its own (no controller, no reconciler)', () => {
  it('one probe region partitioned for 3 minutes (3 regions, quorum 2): 0 alarm transitions to ALARM, 0 Route53 answer changes', async () => {
    const baseline = answers();
    expect(baseline).toEqual({ 'us-east': EDGE_IP['use1'], 'eu-west': EDGE_IP['euw1'], 'ap-south': EDGE_IP['aps1'] });
    // eu-west's probe loses every edge: its checks go to a port nobody listens on (connection refused).
    const dead = await refusedPort('127.0.0.1');
    const partitioned = PolicySchema.parse({ ...policy, edges: policy.edges.map((e) => ({ ...e, check: { ...e.check, address: '127.0.0.1', port: dead } })) });
    const eu = probes[1]!;
    await eu.stop(100);
    probes[1] = probeFor('eu-west', partitioned);
    const from = Date.now();
    transitions.length = 0;
    let changes = 0;
    let samples = 0;
    let prev = JSON.stringify(baseline);
    // 3 compressed minutes = 3 alarm periods, sampled every 50 ms.
    while (Date.now() - from < 3 * PERIOD_MS + PERIOD_MS / 2) {
      const now = JSON.stringify(answers());
      if (now !== prev) changes++;
      prev = now;
      samples++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const votes = cw.metrics.filter((m) => m.MetricName === 'DownVote' && m.Timestamp >= from);
    const downVotes = votes.filter((m) => m.Value === 1).length;
    await probes[1]!.stop(100);
    probes[1] = probeFor('eu-west', policy);
    const toAlarm = transitions.filter((t) => t.to === 'ALARM').length;
    chaosLine('one probe region (eu-west) partitioned from every edge for 3 min (compressed 30×: 6 s), 3 regions, quorum 2, Route53 alone', '0 alarm transitions to ALARM, 0 Route53 answer changes', {
      wrong: changes,
      extra: [`ALARM transitions ${toAlarm}`, `down votes from eu-west ${downVotes}`, `votes seen ${votes.length}`, `answer samples ${samples}`],
    });
    // The partition was real: eu-west voted every edge down in every period.
    expect(downVotes).toBeGreaterThanOrEqual(3 * 3);
    expect(toAlarm).toBe(0);
    expect(changes).toBe(0);
    expect(answers()).toEqual(baseline);
  }, 60_000);

  it('edgesteer stopped: an edge dies and later recovers, Route53 follows both by its health checks alone', async () => {
    // Back to three healthy regions first.
    await waitFor('every alarm OK', () => [...cw.alarms.values()].every((a) => a.StateValue === 'OK') || undefined, 8 * PERIOD_MS);
    expect(answers()['eu-west']).toBe(EDGE_IP['euw1']);
    const changesBefore = ep.callCount('ChangeResourceRecordSets');

    const t0 = Date.now();
    down.add('euw1');
    await waitFor('eu-west clients off euw1', () => (answers()['eu-west'] !== EDGE_IP['euw1'] ? true : undefined), 10 * PERIOD_MS);
    const failS = (Date.now() - t0) / 1000;
    const during = answers();
    // Down the chain to the next edge; no region answers the dead edge.
    expect(Object.values(during)).not.toContain(EDGE_IP['euw1']);
    expect(during['eu-west']).not.toBe('');

    const t1 = Date.now();
    down.delete('euw1');
    await waitFor('eu-west clients back on euw1', () => (answers()['eu-west'] === EDGE_IP['euw1'] ? true : undefined), 10 * PERIOD_MS);
    const recoverS = (Date.now() - t1) / 1000;
    // Nobody wrote to Route53 meanwhile: its own checks did it.
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(changesBefore);

    chaosLine('edge euw1 dies, then recovers, with no edgesteer control process running (Route53 alone, alarm periods compressed 30×)', 'Route53 answers follow both by their health checks: off the dead edge, then back', {
      recoverS,
      extra: [`failover ${failS.toFixed(2)} s (≈ ${Math.round(failS * SCALE)} s at 60 s periods)`, `recovery ${recoverS.toFixed(2)} s (≈ ${Math.round(recoverS * SCALE)} s at 60 s periods)`, `eu-west during: ${during['eu-west']}`, 'Route53 writes during the test 0'],
    });
    // Bounded by the design: detection (fall 3 × 400 ms) + up to 1.5 periods to vote + the period to end.
    expect(failS).toBeLessThan(3 * PERIOD_MS / 1000 + 1);
    expect(recoverS).toBeLessThan(3 * PERIOD_MS / 1000 + 1);
  }, 60_000);
});
