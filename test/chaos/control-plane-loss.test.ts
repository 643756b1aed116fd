/**
 * Control plane loss: the controller process is SIGKILLed.
 *
 * - `edgesteer dns --controller` keeps answering the last table (no query
 *   lost, every answer the pre-kill one) and says how stale it is on
 *   /healthz and /metrics (last contact with the controller keeps ageing).
 * - The Worker (`edgesteer worker`) ingests the probes' reports itself, so it
 *   keeps answering the same routes over DoH, and its /healthz says how old
 *   its newest report is.
 * - Route53 keeps failing over on its own health checks: with the records
 *   the reconciler wrote before the kill, the Route53 test endpoint's
 *   evaluate() moves a region to SECONDARY when its PRIMARY's health check
 *   fails — no edgesteer process involved.
 * - Restart the controller on the same state directory: it serves the same
 *   table (same hash and version), and the DNS server reconnects.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { reconcileOnce } from '@edgesteer/route53';
import type { RoutingTable } from '@edgesteer/core';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startRoute53Endpoint, type Route53Endpoint } from '../support/route53-endpoint.js';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from '../support/cloudwatch-endpoint.js';
import { FAST, testRoute53Client } from '../support/route53/fixtures.js';
import { chaosLine, scale } from './support/report.js';
import { getJson, getText, metricSum } from './support/http.js';
import { killAll, sleep, startProc, until, type ChaosProc, readyUrl } from './support/proc.js';
import { chaosPolicyInput, CLIENT_SUBNET, EDGE_ADDR, REGIONS, sendRounds, tempDir, writeKeyFile, writePolicy } from './support/stack.js';
import { addressesOf, openUdpDns, startQueryLoop, type UdpDnsClient } from './support/udp-dns.js';

const ZONE_ID = 'ZCHAOSCTL1';
const AWS: Record<string, string> = { 'us-east': 'us-east-1', 'eu-west': 'eu-west-1', 'ap-south': 'ap-southeast-1' };
const tmp = tempDir('control-loss');
const policyFile = join(tmp.dir, 'policy.json');
const stateDir = join(tmp.dir, 'state');
let keyFile: string;
let policy: Policy;
let controller: ChaosProc;
let dns: ChaosProc;
let worker: ChaosProc;
let ctlUrl: string;
let dnsMetricsUrl: string;
let workerUrl: string;
let client: UdpDnsClient;
let r53: Route53Endpoint;
let cw: CloudWatchEndpoint;

function startController(): ChaosProc {
  return startProc('controller', ['controller', '--policy', policyFile, '--listen', ctlUrl ? ctlUrl.replace('http://', '') : '127.0.0.1:0', '--state-dir', stateDir, '--key-file', keyFile, '--tick-ms', '100']);
}

beforeAll(async () => {
  const input = chaosPolicyInput({ ports: {}, intervalMs: 1000, staleAfterMs: 60_000 });
  input.zones[0]!.route53 = { hostedZoneId: ZONE_ID };
  // CLOUDWATCH_METRIC checks (the default): Route53 refuses native checks on loopback edges, as AWS does.
  writePolicy(policyFile, input);
  policy = PolicySchema.parse(input);
  keyFile = writeKeyFile(tmp.dir);
  controller = startController();
  ctlUrl = await readyUrl(controller, 'controller_listening');
  dns = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--controller', ctlUrl]);
  worker = startProc('worker', ['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
  const [ready, metrics, w] = await Promise.all([
    dns.waitForLog((l) => l.msg === 'dns server ready', 20_000, 'dns server ready'),
    dns.waitForLog((l) => l.event === 'metrics_listening', 20_000, 'metrics_listening'),
    worker.waitForLog((l) => l.event === 'worker_ready', 20_000, 'worker_ready'),
  ]);
  dnsMetricsUrl = String(metrics['url']).replace(/\/metrics$/, '');
  workerUrl = String(w['url']);
  client = await openUdpDns(Number(ready['port']));
  cw = await startCloudWatchEndpoint();
  r53 = await startRoute53Endpoint({ seed: 9, alarmExists: (_region, name) => cw.alarms.has(name) });
  r53.createZone('example.com', ZONE_ID);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([dns?.stop(), worker?.stop(), controller?.stop()]);
  await r53?.close();
  await cw?.close();
  killAll();
  tmp.cleanup();
});

const dnsQuery = (region: string) => encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(CLIENT_SUBNET[region]!) } });
const expectedAddr = (t: RoutingTable, region: string) => t.services['cdn']!.regions[region]!.answer.map((e) => EDGE_ADDR[e]).join(',');

async function doh(region: string): Promise<string> {
  const q = Buffer.from(dnsQuery(region)).toString('base64url');
  const res = await fetch(`${workerUrl}/dns-query?dns=${q}`, { headers: { accept: 'application/dns-message' }, signal: AbortSignal.timeout(3000) });
  if (res.status !== 200) throw new Error(`DoH ${res.status}`);
  return addressesOf(new Uint8Array(await res.arrayBuffer())).join(',');
}

describe('control plane loss (controller SIGKILLed)', () => {
  it('DNS and the Worker keep answering the last table and say how stale; Route53 fails over on its own; a restart restores the same table', async () => {
    // A table worth keeping: euw1 fails from two regions (quorum 2), so eu-west clients are sent elsewhere.
    await sendRounds([ctlUrl, workerUrl], 4, { 'us-east': ['euw1'], 'ap-south': ['euw1'] });
    const table = await until(async () => {
      const t = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
      return t.edges['euw1']?.up === false ? t : undefined;
    }, 5000, 'euw1 to go down in the controller');
    expect(expectedAddr(table, 'eu-west')).not.toBe(EDGE_ADDR['euw1']);
    // The DNS server follows; the Worker decided the same from the same reports.
    await until(async () => (await getJson<{ table: { hash: string } }>(`${dnsMetricsUrl}/healthz`)).table.hash === table.hash, 5000, 'the DNS server to follow the table');
    for (const r of REGIONS) expect(await doh(r)).toBe(expectedAddr(table, r));
    // Route53 in the table's shape.
    const applied = await reconcileOnce({ policy, table, route53Client: testRoute53Client(r53.url), cloudwatchClient: new CloudWatchClient({ ...cw.clientConfig('us-east-1'), maxAttempts: 1 }), apply: true, ...FAST });
    expect(applied.applied?.failedChanges ?? []).toEqual([]);
    // The controller persisted the table (writes are debounced by 250 ms).
    await until(() => existsSync(join(stateDir, 'controller-state.json')), 3000, 'the state file');
    await sleep(400);

    const want = Object.fromEntries(REGIONS.map((r) => [r, expectedAddr(table, r)]));
    const loop = startQueryLoop(client, {
      concurrency: 3,
      pauseMs: 5,
      make: (i) => dnsQuery(REGIONS[i % 3]!),
      check: (i, res) => {
        const r = REGIONS[i % 3]!;
        const got = addressesOf(res).join(',');
        return got === want[r] ? null : `${r}: ${got} ≠ ${want[r]}`;
      },
    });
    const rssBefore = dns.rssMb();
    const killedAt = Date.now();
    controller.child.kill('SIGKILL');
    await controller.exited;

    // Outage: everything keeps answering.
    const holdMs = scale(3000, 40_000);
    let dohWrong = 0;
    let dohAsked = 0;
    while (Date.now() - killedAt < holdMs) {
      for (const r of REGIONS) {
        dohAsked++;
        if ((await doh(r)) !== want[r]) dohWrong++;
      }
      await sleep(100);
    }
    const health = await getJson<{ ok: boolean; status: string; table: { hash: string; version: number; lastSyncAgoMs: number; stale: boolean; ageMs: number } }>(`${dnsMetricsUrl}/healthz`);
    const metricsText = await getText(`${dnsMetricsUrl}/metrics`);
    const lastSync = metricSum(metricsText, 'edgesteer_dns_controller_last_sync_timestamp_seconds');
    const workerHealth = await getJson<{ state: { lastReportAgoMs: number | null } }>(`${workerUrl}/healthz`);

    // Route53 with no edgesteer process in the loop: fail the eu-west PRIMARY's health check.
    const euPrimary = table.services['cdn']!.regions['eu-west']!.ranked[0]!;
    const euSecondary = table.services['cdn']!.regions['eu-west']!.ranked[1]!;
    const healthy = r53.evaluate('cdn.example.com', 'A', AWS['eu-west']!, {});
    const failed = r53.evaluate('cdn.example.com', 'A', AWS['eu-west']!, { [euPrimary]: false });

    // Restart on the same state directory and port.
    const restartAt = Date.now();
    controller = startController();
    await controller.waitForLog((l) => l.event === 'controller_listening', 20_000, 'controller_listening after restart');
    const restored = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
    // The DNS server is back in touch (its backoff is at most 10 s).
    await until(async () => {
      const h = await getJson<{ table: { lastSyncAgoMs: number } }>(`${dnsMetricsUrl}/healthz`);
      return h.table.lastSyncAgoMs < 1000;
    }, 15_000, 'the DNS server to reach the restarted controller');
    const recoverS = (Date.now() - restartAt) / 1000;
    const q = await loop.stop();
    const rssAfter = dns.rssMb();

    chaosLine(`controller SIGKILLed for ${holdMs / 1000} s, then restarted from its state dir`, 'DNS + Worker answer the last table with 0 lost/wrong and report staleness; Route53 fails over alone; restart restores the same hash', {
      lost: q.lost,
      wrong: q.wrong + dohWrong,
      recoverS,
      rssMb: { before: rssBefore, after: rssAfter },
      extra: [
        `DNS queries ${q.answered} + DoH ${dohAsked}`,
        `DNS healthz lastSyncAgoMs ${health.table.lastSyncAgoMs} (status ${health.status})`,
        `Worker lastReportAgoMs ${workerHealth.state.lastReportAgoMs}`,
        `Route53 eu-west ${healthy?.values.join(',')} → ${failed?.values.join(',')} on PRIMARY check failure`,
        `table hash same after restart: ${restored.hash === table.hash} (v${table.version} → v${restored.version})`,
      ],
    });

    expect(q.lost).toBe(0);
    expect(q.wrongSamples).toEqual([]);
    expect(q.answered).toBeGreaterThan(50);
    expect(dohWrong).toBe(0);
    // Staleness is visible: the last contact is as old as the outage, in /healthz and /metrics.
    expect(health.ok).toBe(true);
    expect(health.table.hash).toBe(table.hash);
    expect(health.table.lastSyncAgoMs).toBeGreaterThanOrEqual(holdMs - 500);
    expect(lastSync * 1000).toBeLessThanOrEqual(killedAt + 100);
    if (holdMs > 30_000) expect(health.status).toBe('stale');
    expect(workerHealth.state.lastReportAgoMs).toBeGreaterThanOrEqual(holdMs - 500);
    // Route53 fails over by itself.
    expect(healthy?.values).toEqual(policy.edges.find((e) => e.id === euPrimary)!.ipv4);
    expect(failed?.values).toEqual(policy.edges.find((e) => e.id === euSecondary)!.ipv4);
    // Same table after the restart.
    expect(restored.hash).toBe(table.hash);
    expect(restored.version).toBe(table.version);
  }, 120_000);
});
