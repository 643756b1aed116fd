/**
 * Provider loss.
 *
 * 1. Route53 fails: the Route53 test endpoint answers every call with 500s,
 *    then Throttling / PriorRequestNotComplete on most calls, then recovers,
 *    while the reconcile loop moves the zone from the old table's layout to
 *    the new one (a failover in every region, many batches). After every
 *    call the endpoint serves, each unit (service × region × type: latency
 *    record, failover pair and their markers) must be either entirely old or
 *    entirely new — never half-applied. The loop must back off (growing
 *    delays) and converge once the provider is back.
 * 2. The Worker is gone (SIGKILL): a probe reporting to the controller and to
 *    the dead Worker still gets its reports to the controller, a failover
 *    still reaches the DNS server and Route53, and DNS answers every query.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { reconcileOnce, startReconcileLoop } from '@edgesteer/route53';
import type { RoutingTable } from '@edgesteer/core';
import { PolicySchema } from '@edgesteer/policy';
import { startProbe } from '@edgesteer/probes';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startRoute53Endpoint, type Route53Endpoint, type StoredRecord } from '../support/route53-endpoint.js';
import { startCloudWatchEndpoint } from '../support/cloudwatch-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from '../support/route53/fixtures.js';
import { chaosLine, scale } from './support/report.js';
import { getJson, getText, metricSum } from './support/http.js';
import { killAll, sleep, startProc, until, readyUrl } from './support/proc.js';
import { chaosPolicyInput, CLIENT_SUBNET, EDGE_ADDR, KEYS, REGIONS, startChaosEdges, tempDir, writeKeyFile, writePolicy } from './support/stack.js';
import { addressesOf, openUdpDns, startQueryLoop } from './support/udp-dns.js';

afterAll(() => killAll());

const ZONE = 'ZTESTZONE1';

/** The unit a record belongs to: service-region (from SetIdentifier) and record type; markers go with their record. */
function unitOf(r: StoredRecord): string {
  if (!r.SetIdentifier) return `zone|${r.Name}|${r.Type}`;
  const set = r.SetIdentifier.replace(/(-\d+)?-(primary|secondary)$/, '');
  const type = r.Type === 'TXT' && r.Name.startsWith('_es-') ? r.Name.slice(4, r.Name.indexOf('.')).toUpperCase() : r.Type;
  return `${set}|${type}`;
}

/** JSON with sorted keys at every level. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Zone content grouped by unit, each unit as canonical text. Health check ids
 * differ between endpoints, so they are replaced by the edge they check.
 */
function units(ep: Route53Endpoint): Map<string, string> {
  const edgeOf = new Map(ep.healthChecks().map((h) => [h.Id, h.tags.get('edgesteer:edge') ?? h.Id]));
  const by = new Map<string, StoredRecord[]>();
  for (const r of ep.records(ZONE)) by.set(unitOf(r), [...(by.get(unitOf(r)) ?? []), r]);
  const out = new Map<string, string>();
  for (const [k, rs] of by) {
    out.set(k, rs.map((r) => canonical(r.HealthCheckId ? { ...r, HealthCheckId: `edge:${edgeOf.get(r.HealthCheckId)}` } : r)).sort().join('\n'));
  }
  return out;
}

describe('provider loss', () => {
  it('Route53 500s then throttling: the reconciler backs off, never half-applies a unit, and converges', async () => {
    const services = 8;
    const policy = makePolicy({
      services: Array.from({ length: services }, (_v, i) => ({ id: `svc${i}`, name: `svc${i}.example.com`, edges: ['eu-1', 'us-1', 'ap-1'] })),
    });
    const oldTable = tableFor(policy, [], 1);
    // The new table fails eu-1 over in every region: every unit changes.
    const newTable = tableFor(policy, ['eu-1'], 2);
    const limits = { maxRecords: 24, maxValueChars: 32_000 };

    // The two layouts, written by the reconciler itself on a clean endpoint.
    const ref = await startRoute53Endpoint({ seed: 3 });
    ref.createZone('example.com', ZONE);
    await reconcileOnce({ policy, table: newTable, route53Client: testRoute53Client(ref.url), apply: true, force: true, ...FAST, limits });
    const newUnits = units(ref);
    await ref.close();

    const ep: Route53Endpoint = await startRoute53Endpoint({ seed: 11 });
    ep.createZone('example.com', ZONE);
    await reconcileOnce({ policy, table: oldTable, route53Client: testRoute53Client(ep.url), apply: true, ...FAST, limits });
    const oldUnits = units(ep);
    expect([...newUnits.keys()].filter((k) => oldUnits.get(k) !== newUnits.get(k)).length).toBeGreaterThan(services);

    // After every call the endpoint serves (a microtask after its synchronous handler), check every unit.
    const halfApplied: string[] = [];
    let checks = 0;
    const check = () => {
      checks++;
      const now = units(ep);
      for (const k of new Set([...oldUnits.keys(), ...newUnits.keys(), ...now.keys()])) {
        const v = now.get(k) ?? '';
        if (v !== (oldUnits.get(k) ?? '') && v !== (newUnits.get(k) ?? '') && halfApplied.length < 5) halfApplied.push(`${k}: ${v}`);
      }
    };
    const push = ep.calls.push.bind(ep.calls);
    ep.calls.push = (...e) => {
      const n = push(...e);
      queueMicrotask(check);
      return n;
    };

    const hardMs = scale(1500, 60_000);
    const softMs = scale(1500, 60_000);
    const delays: number[] = [];
    const errors: string[] = [];
    let converged = false;
    const hard = ep.injectFault({ code: 'InternalFailure', status: 500 });
    const faultStart = Date.now();
    const loop = startReconcileLoop({
      policy,
      getTable: () => newTable,
      intervalMs: 250,
      pollMs: 50,
      force: true,
      route53Client: testRoute53Client(ep.url),
      route53RatePerSecond: 50,
      insyncPollMs: 5,
      limits,
      retry: { maxAttempts: 8, baseMs: 20, capMs: scale(400, 5000), onRetry: (i) => delays.push(i.delayMs) },
      onError: (err) => errors.push((err as { code?: string }).code ?? String(err)),
      onCycle: (r) => {
        if (r.plan.empty) converged = true;
      },
    });
    await sleep(hardMs);
    const callsInHard = ep.calls.filter((c) => c.at >= faultStart).length;
    hard.remove();
    const throttle = ep.injectFault({ code: 'Throttling', rate: 0.6 });
    const busy = ep.injectFault({ op: 'ChangeResourceRecordSets', code: 'PriorRequestNotComplete', rate: 0.3 });
    await sleep(softMs);
    throttle.remove();
    busy.remove();
    const recoveredAt = Date.now();
    await until(() => converged, 20_000, 'the reconcile loop to converge');
    const recoverS = (Date.now() - recoveredAt) / 1000;
    await loop.stop();
    check();
    const finalUnits = units(ep);
    const injected = ep.calls.filter((c) => c.injected).length;
    await ep.close();

    chaosLine(`Route53 down (500s ${hardMs / 1000} s, then 60% Throttling + 30% PriorRequestNotComplete ${softMs / 1000} s) during a failover of ${services} services`, 'backoff, no half-applied unit, converge after recovery', {
      wrong: halfApplied.length,
      recoverS,
      extra: [`faults served ${injected}`, `calls during 500s ${callsInHard}`, `max backoff ${Math.max(...delays).toFixed(0)} ms`, `unit checks ${checks}`, `cycle errors ${errors.length} (${[...new Set(errors)].join(', ')})`],
    });
    expect(halfApplied).toEqual([]);
    expect(checks).toBeGreaterThan(20);
    // Backoff: delays grow past the base, and the outage did not turn into a request storm.
    expect(Math.max(...delays)).toBeGreaterThan(4 * 20);
    // The token bucket alone would allow 50 requests/s; backoff must keep the outage well below that.
    expect(callsInHard / (hardMs / 1000)).toBeLessThan(25);
    expect(injected).toBeGreaterThan(10);
    // Converged to exactly the new layout.
    expect(finalUnits).toEqual(newUnits);
  }, 300_000);

  it('the Worker is gone: probes still reach the controller, a failover reaches DNS and Route53, DNS answers everything', async () => {
    const tmp = tempDir('worker-gone');
    const edges = await startChaosEdges();
    try {
      const input = chaosPolicyInput({ ports: edges.ports, intervalMs: 200 });
      input.zones[0]!.route53 = { hostedZoneId: ZONE };
      // CLOUDWATCH_METRIC checks (the default): Route53 refuses native checks on loopback edges, as AWS does.
      const policy = PolicySchema.parse(input);
      const policyFile = join(tmp.dir, 'policy.json');
      writePolicy(policyFile, input);
      const keyFile = writeKeyFile(tmp.dir);
      const controller = startProc('controller', ['controller', '--policy', policyFile, '--listen', '127.0.0.1:0', '--no-state', '--key-file', keyFile, '--tick-ms', '100']);
      const worker = startProc('worker', ['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
      const ctlUrl = await readyUrl(controller, 'controller_listening');
      const workerUrl = await readyUrl(worker, 'worker_ready');
      const dns = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--controller', ctlUrl]);
      const dnsPort = Number((await dns.waitForLog((l) => l.msg === 'dns server ready', 20_000))['port']);
      const cw = await startCloudWatchEndpoint();
      const r53 = await startRoute53Endpoint({ seed: 5, alarmExists: (_region, name) => cw.alarms.has(name) });
      r53.createZone('example.com', ZONE);
      const cwClient = new CloudWatchClient({ ...cw.clientConfig('us-east-1'), maxAttempts: 1 });
      const probes = REGIONS.map((region) =>
        startProbe({ policy, region, probeId: region, reportTo: [ctlUrl, workerUrl], key: KEYS[region]!, logLevel: 'silent', sink: { backoff: { baseMs: 50, maxMs: 1000 } } }),
      );
      const client = await openUdpDns(dnsPort);
      try {
        await until(async () => (await getJson<{ state: { reports: number } }>(`${workerUrl}/healthz`)).state.reports >= 3, 10_000, 'the Worker to get reports');
        const before = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
        await reconcileOnce({ policy, table: before, route53Client: testRoute53Client(r53.url), cloudwatchClient: cwClient, apply: true, ...FAST });

        worker.child.kill('SIGKILL');
        await worker.exited;
        const acceptedBefore = metricSum(await getText(`${ctlUrl}/metrics`), 'edgesteer_controller_reports_accepted_total');

        // Each region's answer before, and the addresses allowed while euw1 fails over (old or new answer).
        const oldAns = Object.fromEntries(REGIONS.map((r) => [r, before.services['cdn']!.regions[r]!.answer.map((e) => EDGE_ADDR[e]).join(',')]));
        const queries = REGIONS.map((r) => encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(CLIENT_SUBNET[r]!) } }));
        let after: RoutingTable | undefined;
        const loop = startQueryLoop(client, {
          concurrency: 3,
          pauseMs: 5,
          make: (i) => queries[i % 3]!,
          check: (i, res) => {
            const r = REGIONS[i % 3]!;
            const got = addressesOf(res).join(',');
            // Right: the old answer, the new table's answer, or — for a region answered with euw1
            // before the new table is fetched here — any other edge (checked strictly below).
            const ok =
              got === oldAns[r] ||
              (after !== undefined && got === after.services['cdn']!.regions[r]!.answer.map((e) => EDGE_ADDR[e]).join(',')) ||
              (oldAns[r]!.includes(EDGE_ADDR['euw1']!) && got !== '' && !got.includes(EDGE_ADDR['euw1']!));
            return ok ? null : `${r}: ${got} (before: ${oldAns[r]})`;
          },
        });
        const failAt = Date.now();
        edges.mode['euw1'] = 'down';
        after = await until(async () => {
          const t = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
          return t.edges['euw1']?.up === false ? t : undefined;
        }, 10_000, 'euw1 to fail over in the controller');
        const want = after.services['cdn']!.regions['eu-west']!.answer.map((e) => EDGE_ADDR[e]).join(',');
        await until(async () => addressesOf((await client.query(queries[1]!))!).join(',') === want, 10_000, 'DNS to answer the failover');
        const dnsS = (Date.now() - failAt) / 1000;
        await reconcileOnce({ policy, table: after, route53Client: testRoute53Client(r53.url), cloudwatchClient: cwClient, apply: true, ...FAST });
        const r53Answer = r53.evaluate('cdn.example.com', 'A', 'eu-west-1', {})?.values.join(',');
        await sleep(scale(500, 20_000));
        const q = await loop.stop();
        const acceptedAfter = metricSum(await getText(`${ctlUrl}/metrics`), 'edgesteer_controller_reports_accepted_total');

        chaosLine('Worker SIGKILLed, then edge euw1 fails', 'DNS and Route53 planes unaffected: failover reaches both, 0 DNS answers lost', {
          lost: q.lost,
          wrong: q.wrong,
          recoverS: dnsS,
          rssMb: dns.rssMb(),
          extra: [`reports to controller after the kill ${acceptedAfter - acceptedBefore}`, `Route53 eu-west → ${r53Answer} (want ${want})`, `DNS queries ${q.answered}`],
        });
        expect(q.lost).toBe(0);
        expect(q.wrongSamples).toEqual([]);
        expect(acceptedAfter - acceptedBefore).toBeGreaterThan(5);
        expect(r53Answer).toBe(want);
        expect(want).not.toBe(EDGE_ADDR['euw1']);
      } finally {
        await client.close();
        await Promise.all(probes.map((p) => p.stop(100)));
        await Promise.all([dns.stop(), controller.stop()]);
        await r53.close();
        await cw.close();
      }
    } finally {
      await edges.close();
      tmp.cleanup();
    }
  }, 120_000);
});
