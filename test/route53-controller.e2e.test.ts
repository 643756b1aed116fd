/**
 * The controller drives Route53: `edgesteer run` on a policy whose zone has
 * `route53.hostedZoneId`, with the controller pointed at the Route53 and
 * CloudWatch test endpoints (real SDK clients, real HTTP). The controller
 * creates the whole layout (latency records, per-region failover sets,
 * health checks and their alarms), moves a region's PRIMARY when its edge
 * goes down, and counts cycles, API calls and throttles on its /metrics.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './support/processes.js';
import { scrape } from './support/prom-text.js';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { startRoute53Endpoint, type Route53Endpoint, type StoredRecord } from './support/route53-endpoint.js';
import { awsTestEnv } from './support/route53/fixtures.js';
import { demoEdge, startRunStack, type DemoEdgeId, type RunStack } from './support/run-stack.js';

const ZONE_ID = 'ZEDGESTEERRUN1';
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;

let ep: Route53Endpoint;
let cw: CloudWatchEndpoint;
let stack: RunStack;

interface Table {
  version: number;
  services: Record<string, { regions: Record<string, { answer: string[] }> }>;
}
const table = async (): Promise<Table> => (await (await fetch(`${stack.controllerUrl}/v1/table`)).json()) as Table;

/** The PRIMARY record of a region's failover set for cdn A. */
const primary = (region: string): StoredRecord | undefined =>
  ep.records(ZONE_ID).find((r) => r.Type === 'A' && r.SetIdentifier === `cdn-${region}-primary`);

async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  while (!(await pred())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return performance.now() - t0;
}

describe('the controller reconciles Route53', () => {
  beforeAll(async () => {
    cw = await startCloudWatchEndpoint();
    // Like Route53: a CLOUDWATCH_METRIC health check must name an existing alarm.
    ep = await startRoute53Endpoint({ alarmExists: (_region, name) => cw.alarms.has(name) });
    ep.createZone('example.com', ZONE_ID);
    stack = await startRunStack({
      octetBase: 90,
      env: awsTestEnv(),
      transform: (text) => {
        const zone = '  - name: example.com\n';
        if (!text.includes(zone)) throw new Error('policy layout changed: no zone line');
        return text.replace(zone, `${zone}    route53: { hostedZoneId: ${ZONE_ID} }\n`);
      },
      extraArgs: ['--route53-endpoint', ep.url, '--cloudwatch-endpoint', cw.url],
    });
  }, 60_000);

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
    await ep?.close();
    await cw?.close();
  }, 30_000);

  it('creates the layout from the table, then moves PRIMARY when an edge goes down', async (ctx) => {
    ctx.onTestFailed(() => {
      const log = readFileSync(join(stack.dir, 'state', 'logs', 'controller.log'), 'utf8');
      console.log(`[route53-controller] controller log (route53 and policy lines):\n${log.split('\n').filter((l) => l.includes('route53') || l.includes('policy')).slice(-25).map((l) => l.slice(0, 400)).join('\n')}`);
      console.log(`[route53-controller] endpoint calls: ${ep.calls.slice(-20).map((c) => `${c.op} ${c.status}${c.code ? ` ${c.code}` : ''}`).join(', ')}`);
    });
    // The layout: a latency record per region for each service, a failover set per region, a health check and alarm per edge.
    await until('the first reconcile', () => REGIONS.every((r) => primary(r) !== undefined));
    const records = ep.records(ZONE_ID);
    for (const r of REGIONS) {
      const latency = records.find((x) => x.Type === 'A' && x.SetIdentifier === `cdn-${r}` && x.Region !== undefined);
      expect(latency?.AliasTarget?.DNSName, r).toMatch(new RegExp(`^${r}\\.cdn\\._edgesteer\\.example\\.com\\.?$`));
      expect(records.find((x) => x.Type === 'A' && x.SetIdentifier === `cdn-${r}-secondary`)?.Failover).toBe('SECONDARY');
    }
    expect(ep.healthChecks().length).toBe(3);
    expect(cw.alarms.size).toBe(3);

    // PRIMARY follows the controller's table (each region's best edge).
    await until('PRIMARY = the table\'s best edge in every region', async () => {
      const t = await table();
      return REGIONS.every((r) => primary(r)?.ResourceRecords?.[0] === stack.edgeIp[t.services['cdn']!.regions[r]!.answer[0] as DemoEdgeId]);
    });
    const before = await table();
    const victim = before.services['cdn']!.regions['eu-west']!.answer[0] as DemoEdgeId;
    const victimIp = stack.edgeIp[victim];
    expect(primary('eu-west')?.ResourceRecords).toEqual([victimIp]);

    // One throttled write on the way: backed off, retried, counted.
    const fault = ep.injectFault({ op: 'ChangeResourceRecordSets', code: 'Throttling', times: 1 });
    const t0 = performance.now();
    await demoEdge(stack, victim, 'down');
    await until('eu-west PRIMARY off the dead edge', () => {
      const p = primary('eu-west');
      return p !== undefined && p.ResourceRecords?.[0] !== victimIp;
    });
    const moveMs = performance.now() - t0;
    const after = await table();
    const next = after.services['cdn']!.regions['eu-west']!.answer[0] as DemoEdgeId;
    expect(next).not.toBe(victim);
    expect(primary('eu-west')?.ResourceRecords).toEqual([stack.edgeIp[next]]);
    // No region keeps the dead edge as PRIMARY.
    expect(REGIONS.filter((r) => primary(r)?.ResourceRecords?.[0] === victimIp)).toEqual([]);
    expect(fault.fired).toBe(1);
    console.log(`[route53-controller] eu-west PRIMARY moved ${victim} → ${next} in Route53 ${(moveMs / 1000).toFixed(2)} s after the edge went down`);

    // The controller's /metrics tells the story.
    const m = await scrape(`${stack.controllerUrl}/metrics`);
    expect(m.sum('edgesteer_route53_reconcile_cycles_total', { result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(m.sum('edgesteer_route53_api_calls_total', { service: 'route53', op: 'ChangeResourceRecordSets', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(m.sum('edgesteer_route53_api_calls_total', { service: 'route53', op: 'ListResourceRecordSets', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(m.sum('edgesteer_route53_api_calls_total', { service: 'cloudwatch', op: 'PutMetricAlarm', outcome: 'ok' })).toBe(3);
    expect(m.sum('edgesteer_route53_throttles_total', { service: 'route53', op: 'ChangeResourceRecordSets', code: 'Throttling' })).toBe(1);
    expect(m.sum('edgesteer_route53_write_calls_total')).toBeGreaterThanOrEqual(2);
    expect(m.sum('edgesteer_route53_loop_active')).toBe(1);

    await demoEdge(stack, victim, 'up');

    // The failover above was a health re-rank: applied with no --force. A policy reload restarts the loop
    // on the new policy under the same 30% gate as `route53 apply`: a new service TTL rewrites every edge
    // record (18 of 51 owned, 35%), so the controller refuses it until reviewed and forced.
    expect(primary('eu-west')?.TTL).toBe(30);
    const text = readFileSync(stack.policyFile, 'utf8');
    writeFileSync(stack.policyFile, text.replace('ttl: 30 # seconds; short', 'ttl: 25 # seconds; short'));
    await until('the gate refusing the TTL change', async () => (await scrape(`${stack.controllerUrl}/metrics`)).sum('edgesteer_route53_errors_total', { code: 'E_R53_SAFETY_THRESHOLD' }) >= 1);
    expect(REGIONS.every((r) => primary(r)?.TTL === 30)).toBe(true);
  }, 60_000);
});
