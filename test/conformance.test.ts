/**
 * The same policy on every plane. One policy, a matrix of client subnets
 * (one per region, IPv6 too, and one no region claims) × health scenarios
 * (all up; one edge down; a region's best edge slow; all down), answered by:
 *
 *  - the authoritative DNS server (real `dig` over UDP), serving the table
 *    core's ingest()/decide() compute from the scenario's probe reports;
 *  - the Worker on Node (real `dig +http-plain-get` / `+http-plain` over
 *    DoH), fed the very same reports as signed POST /v1/observations, so
 *    its own decide() runs;
 *  - Route53: the reconciler applies the desired state for that table to
 *    the Route53 test endpoint (through the AWS SDK), and the endpoint's
 *    evaluate() says which record Route53 would return for the client's
 *    AWS region, with each edge's health check as healthy as core's verdict.
 *
 * All three must give the same edges. Route53's layout answers one record
 * set per region (PRIMARY, else SECONDARY), so for a service that answers
 * several edges Route53 must give the first of them. A client no region
 * claims is in the default region; Route53 sees it from that region's AWS
 * region.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { decide, ingest, initialState, type DecisionState, type Observation, type RoutingTable } from '@edgesteer/core';
import { startDnsServer, type DnsServer } from '@edgesteer/dns-server';
import type { Policy } from '@edgesteer/policy';
import { reconcileOnce } from '@edgesteer/route53';
import { startWorkerNode, type RunningWorker } from '@edgesteer/worker/node';
import { observation, signedReport, testPolicy, TEST_PROBE_KEYS } from '@edgesteer/worker/testing';
import { dig } from './support/dns-dig.js';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { FAST, testRoute53Client } from './support/route53/fixtures.js';

const policy: Policy = testPolicy();
const REGIONS = policy.regions.map((r) => r.id);
const ZONE_ID = policy.zones[0]!.route53!.hostedZoneId;
const silent = pino({ level: 'silent' });

/** Client subnets: one per region, IPv6, and one no region claims (→ default region). */
const CLIENTS = [
  { subnet: '10.1.20.0/24', region: 'us-east' },
  { subnet: '10.2.30.0/24', region: 'eu-west' },
  { subnet: '10.3.40.0/24', region: 'ap-south' },
  { subnet: '2001:db8:3:10::/56', region: 'ap-south' },
  { subnet: '203.0.113.0/24', region: policy.regions.find((r) => r.default)!.id },
];
const QUESTIONS = [
  { service: 'cdn', name: 'cdn.example.com', type: 'A' as const },
  { service: 'cdn', name: 'cdn.example.com', type: 'AAAA' as const },
  { service: 'api', name: 'api.example.com', type: 'A' as const },
  { service: 'vault', name: 'vault.example.com', type: 'A' as const },
];

/** Probe RTT (ms) per probe region and edge while everything is healthy: each region's own edge is closest. */
const BASE_RTT: Record<string, Record<string, number>> = {
  'us-east': { use1: 5, euw1: 40, aps1: 90 },
  'eu-west': { use1: 40, euw1: 5, aps1: 80 },
  'ap-south': { use1: 90, euw1: 80, aps1: 5 },
};

interface Scenario {
  name: string;
  /** Observation rounds; each round is one report per region. null RTT = the check timed out. */
  rounds: Array<Record<string, Record<string, number | null>>>;
  /** What the scenario must have done to the table, so the matrix is known to cover it. */
  check(table: RoutingTable): void;
  /** Route53 failing over on health checks alone (with the previous layout) must already agree. */
  healthOnly?: boolean;
}

const allUp = () => structuredClone(BASE_RTT) as Record<string, Record<string, number | null>>;
const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

const SCENARIOS: Scenario[] = [
  {
    name: 'all up',
    rounds: times(3, allUp),
    check: (t) => {
      for (const r of REGIONS) expect(t.services['cdn']!.regions[r]!.answer).toEqual([{ 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' }[r]]);
    },
  },
  {
    name: 'one edge down (euw1 times out from every region)',
    rounds: [...times(2, allUp), ...times(3, () => {
      const r = allUp();
      for (const region of REGIONS) r[region]!['euw1'] = null;
      return r;
    })],
    check: (t) => {
      expect(t.edges['euw1']!.up).toBe(false);
      for (const r of REGIONS) expect(t.services['cdn']!.regions[r]!.answer).not.toContain('euw1');
    },
    healthOnly: true,
  },
  {
    name: "a region's best edge slow (eu-west measures euw1 at 250 ms)",
    rounds: [...times(2, allUp), ...times(4, () => {
      const r = allUp();
      r['eu-west']!['euw1'] = 250;
      return r;
    })],
    check: (t) => {
      expect(t.edges['euw1']!.up).toBe(true);
      expect(t.services['cdn']!.regions['eu-west']!.answer).toEqual(['use1']);
      expect(t.services['cdn']!.regions['us-east']!.answer).toEqual(['use1']);
    },
  },
  {
    name: 'all down (fail-open fallback; fail-closed vault answers nothing)',
    rounds: [...times(2, allUp), ...times(3, () => {
      const r = allUp();
      for (const region of REGIONS) for (const e of Object.keys(r[region]!)) r[region]![e] = null;
      return r;
    })],
    check: (t) => {
      for (const r of REGIONS) {
        expect(t.services['cdn']!.regions[r]!.mode).toBe('fallback');
        expect(t.services['cdn']!.regions[r]!.answer).toEqual([policy.services.find((s) => s.id === 'cdn')!.fallback[0]]);
        expect(t.services['vault']!.regions[r]!.mode).toBe('closed');
      }
    },
  },
];

/** Edge ids behind answer addresses (every edge has distinct addresses). */
function edgesOf(addresses: string[]): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const e = policy.edges.find((x) => x.ipv4.includes(a) || x.ipv6.includes(a));
    out.push(e ? e.id : `?${a}`);
  }
  return [...new Set(out)];
}
const digEdges = (answer: string[]) => edgesOf(answer.map((line) => line.split(' ').pop()!));

let dns: DnsServer;
let r53: Route53Endpoint;

beforeAll(async () => {
  dns = await startDnsServer({ policy, host: '127.0.0.1', port: 0, logger: silent });
  r53 = await startRoute53Endpoint();
  r53.createZone(policy.zones[0]!.name, ZONE_ID);
});
afterAll(async () => {
  await dns?.close();
  await r53?.close();
});

/** Applies the desired state for `table` (force: a failover moves more than the 30% safety limit of this small zone). */
async function applyRoute53(table: RoutingTable): Promise<void> {
  const r = await reconcileOnce({ policy, table, route53Client: testRoute53Client(r53.url), apply: true, logger: silent, ...FAST, force: true });
  expect(r.applied?.failedChanges ?? []).toEqual([]);
}

describe('conformance: DNS server, Worker and Route53 answer the same edges', () => {
  let previous: RoutingTable | undefined;

  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const worker: RunningWorker = await startWorkerNode({ policy, keys: TEST_PROBE_KEYS, port: 0 });
      try {
        // Feed the same reports to core (the controller's role, for DNS and Route53) and to the Worker.
        let state: DecisionState = initialState();
        let seq = 1;
        for (const round of scenario.rounds) {
          for (const region of REGIONS) {
            const now = Date.now();
            const obs: Observation[] = Object.entries(round[region]!).map(([edge, rtt]) => observation(region, edge, now - 10, rtt));
            const report = await signedReport(region, seq++, obs, now);
            const res = await fetch(`${worker.url}/v1/observations`, { method: 'POST', body: report.body, headers: report.headers });
            expect(res.status, await res.clone().text()).toBe(200);
            state = decide(policy, ingest(state, policy, obs), now).state;
          }
        }
        const table = decide(policy, state, Date.now()).table;
        scenario.check(table);
        const workerTable = (await (await fetch(`${worker.url}/v1/table`)).json()) as RoutingTable;
        expect(workerTable.hash, 'the Worker decided the same table from the same reports').toBe(table.hash);

        dns.setTable(table);
        const health: Record<string, boolean> = Object.fromEntries(policy.edges.map((e) => [e.id, table.edges[e.id]!.up]));

        // Route53 on its own: the previous layout, with health checks reflecting the new verdicts.
        const healthOnly = scenario.healthOnly && previous ? new Map<string, string[]>() : undefined;
        if (healthOnly) {
          await applyRoute53(previous!);
          for (const c of CLIENTS) {
            for (const q of QUESTIONS) {
              const aws = policy.regions.find((r) => r.id === c.region)!.aws;
              healthOnly.set(`${c.subnet} ${q.name} ${q.type}`, edgesOf(r53.evaluate(q.name, q.type, aws, health)?.values ?? []));
            }
          }
        }
        await applyRoute53(table);

        const rows = await Promise.all(
          CLIENTS.flatMap((c, ci) =>
            QUESTIONS.map(async (q, qi) => {
              const expected = table.services[q.service]!.regions[c.region]!.answer;
              const viaDns = await dig('127.0.0.1', dns.port, ['+norec', `+subnet=${c.subnet}`, q.name, q.type]);
              const mode = (ci + qi) % 2 === 0 ? '+http-plain-get' : '+http-plain';
              const viaWorker = await dig('127.0.0.1', worker.port, [mode, `+subnet=${c.subnet}`, q.name, q.type]);
              const aws = policy.regions.find((r) => r.id === c.region)!.aws;
              const viaRoute53 = edgesOf(r53.evaluate(q.name, q.type, aws, health)?.values ?? []);
              return { key: `${c.subnet} ${q.name} ${q.type}`, expected, dns: { status: viaDns.status, edges: digEdges(viaDns.answer) }, worker: { status: viaWorker.status, edges: digEdges(viaWorker.answer) }, route53: viaRoute53 };
            }),
          ),
        );
        for (const row of rows) {
          expect(row.dns, `DNS server: ${row.key}`).toEqual({ status: 'NOERROR', edges: row.expected });
          expect(row.worker, `Worker: ${row.key}`).toEqual(row.dns);
          expect(row.route53, `Route53: ${row.key}`).toEqual(row.expected.slice(0, 1));
          if (healthOnly) expect(healthOnly.get(row.key), `Route53 with the previous layout, health checks only: ${row.key}`).toEqual(row.expected.slice(0, 1));
        }
        // The matrix really covered every region and both families.
        expect(new Set(rows.map((r) => r.key.split(' ')[0])).size).toBe(CLIENTS.length);
        previous = table;
      } finally {
        await worker.close();
      }
    });
  }
});
