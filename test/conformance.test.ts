/**
 * Conformance: the planes, each in its own process, decide from the same
 * probe reports and must answer the same clients the same way.
 *
 *  - controller process (`edgesteer controller`): ingests the signed reports;
 *  - DNS server process (`edgesteer dns --key-file`): ingests the same
 *    signed reports on its own `POST /v1/observations` and decides for
 *    itself (DNS_INGEST = 'follow' below makes it follow the controller
 *    instead, to compare the two modes);
 *  - Worker on Node process (`edgesteer worker`) and the Worker in workerd
 *    (`wrangler dev`): each ingests the same signed reports and decides on
 *    its own;
 *  - Route53: the reconciler process (`edgesteer route53 apply --table
 *    <controller>/v1/table`) writes to the Route53 + CloudWatch test
 *    endpoints; the per-region DownVotes those same reports imply are
 *    published as the probes would, the alarms evaluate on an aligned
 *    (test-controlled) clock; then Route53 is READ BACK through the SDK
 *    (ListResourceRecordSets, ListHealthChecks, ListCidrBlocks,
 *    DescribeAlarms) and evaluated per client by test/support/route53/
 *    (CIDR location, else the client's AWS region → latency → alias →
 *    failover with health), code the reconciler does not share.
 *
 * Clients: 300 addresses inside the policy's clientCidrs (100 per region) and
 * 702 public IPv4 addresses drawn from /8s the RIRs allocate (ARIN → the
 * client's AWS region us-east-1, RIPE → eu-west-1, APNIC → ap-southeast-1),
 * seeded. DNS queries carry the client as EDNS Client Subnet; answers are
 * decoded with dns2 (independent of our codec).
 *
 * Asserted: 0 disagreements among all planes for clients in clientCidrs; DNS
 * and both Workers agree for every client. Reported, not asserted: how often
 * Route53 (AWS latency geography) and the self-hosted planes (default region
 * for unmapped clients, until the client map lands) differ for the others.
 *
 * Every scenario first sends enough all-up rounds to reset the links, so no
 * scenario depends on an earlier one's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import dns2 from 'dns2';
import type { Observation, RoutingTable } from '@edgesteer/core';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { evaluate } from './support/route53/evaluate.js';
import { readRoute53 } from './support/route53/readback.js';
import { awsTestEnv, testRoute53Client } from './support/route53/fixtures.js';
import { CLI, killAll, readyUrl, startProc, until, type ChaosProc } from './chaos/support/proc.js';
import { chaosPolicyInput, EDGE_ADDR, EDGES, KEYS_ENV, postReport, REGIONS, rtt, tempDir, writeKeyFile, writePolicy } from './chaos/support/stack.js';
import { startWranglerDev, type WranglerDev } from './support/worker-harness.js';
import { openUdpDns, type UdpDnsClient } from './chaos/support/udp-dns.js';
import { seededRandom } from '@edgesteer/probes';

const { Packet } = dns2 as unknown as { Packet: Dns2Packet };
interface Dns2Packet {
  new (): { header: { id: number; rd: number }; questions: unknown[]; additionals: unknown[]; toBuffer(): Buffer };
  parse(b: Buffer): { answers: Array<{ address?: string }> };
  TYPE: { A: number };
  CLASS: { IN: number };
  Resource: { EDNS(rdata: unknown[]): unknown } & { EDNS: { ECS(ip: string): unknown } };
}

/** 'follow': the DNS server follows the controller. 'direct': it ingests the reports itself (POST /v1/observations). */
const DNS_INGEST = 'direct' as 'follow' | 'direct';

const ZONE_ID = 'ZCONFORMANCE1';
const ZONE = 'example.com';
const tmp = tempDir('conformance');
const policyFile = join(tmp.dir, 'policy.json');
const input = chaosPolicyInput({ ports: {}, intervalMs: 1000, staleAfterMs: 60_000 });
input.zones[0]!.route53 = { hostedZoneId: ZONE_ID };
const policy: Policy = PolicySchema.parse(input);
const FALL = policy.edges[0]!.check.fall;
const AWS_OF: Record<string, string> = Object.fromEntries(policy.regions.map((r) => [r.id, r.aws]));

// ------------------------------------------------------------------ clients

/** The same seeded generator as the probes' jitter (mulberry32): the same addresses every run. */
const rng = seededRandom;

/** Public /8s by the RIR that allocates them (IANA IPv4 address space registry), with the AWS region their clients are nearest. */
const RIR_BLOCKS: Array<{ rir: string; aws: string; firsts: number[] }> = [
  { rir: 'ARIN', aws: 'us-east-1', firsts: [3, 4, 8, 12, 13, 18, 23, 24, 34, 35, 44, 50, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 96, 97, 98, 99, 104, 107, 108, 172, 173, 174, 184, 198, 199, 204, 205, 206, 207, 208, 209, 216] },
  { rir: 'RIPE', aws: 'eu-west-1', firsts: [2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 109, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217] },
  { rir: 'APNIC', aws: 'ap-southeast-1', firsts: [1, 14, 27, 36, 39, 42, 49, 58, 59, 60, 61, 101, 103, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 175, 180, 182, 183, 202, 203, 210, 211, 218, 219, 220, 221, 222] },
];

interface Client {
  ip: string;
  /** Region of the policy whose clientCidrs hold it, if any. */
  mapped?: string;
  /** The AWS region Route53 measures the client nearest to. */
  aws: string;
  label: string;
}

function makeClients(): Client[] {
  const rand = rng(15);
  const out: Client[] = [];
  for (const r of policy.regions) {
    for (let i = 0; i < 100; i++) {
      const [net] = r.clientCidrs[0]!.split('/');
      const [a, b] = net!.split('.');
      out.push({ ip: `${a}.${b}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`, mapped: r.id, aws: r.aws, label: `mapped ${r.id}` });
    }
  }
  for (let i = 0; i < 702; i++) {
    const g = RIR_BLOCKS[i % 3]!;
    const first = g.firsts[Math.floor(rand() * g.firsts.length)]!;
    // Skip the documentation and special blocks inside public /8s (192.0.2/24 etc. are not in these /8s; 198.18/15 is).
    const second = first === 198 ? 60 + Math.floor(rand() * 100) : Math.floor(rand() * 256);
    out.push({ ip: `${first}.${second}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`, aws: g.aws, label: `public ${g.rir}` });
  }
  return out;
}
const CLIENTS = makeClients();

// ---------------------------------------------------------------- scenarios

type Round = Record<string, Record<string, number | null>>;
const allUp = (): Round => Object.fromEntries(REGIONS.map((r) => [r, Object.fromEntries(EDGES.map((e) => [e, rtt(r, e)]))]));
const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
const with_ = (f: (r: Round) => void) => (): Round => {
  const r = allUp();
  f(r);
  return r;
};

interface Scenario {
  name: string;
  rounds: Round[];
  /** What the scenario must have done to the controller's table (so the matrix is known to cover it). */
  check(t: RoutingTable): void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'all up',
    rounds: times(4, allUp),
    check: (t) => {
      for (const r of REGIONS) expect(t.services['cdn']!.regions[r]!.answer).toEqual([{ 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' }[r]]);
    },
  },
  {
    name: 'one edge down (euw1 fails from every region)',
    rounds: [...times(4, allUp), ...times(FALL + 1, with_((r) => REGIONS.forEach((g) => (r[g]!['euw1'] = null))))],
    check: (t) => {
      expect(t.edges['euw1']!.up).toBe(false);
      for (const r of REGIONS) expect(t.services['cdn']!.regions[r]!.answer).not.toContain('euw1');
    },
  },
  {
    name: "a region's best edge slow (eu-west measures euw1 at 250 ms)",
    rounds: [...times(4, allUp), ...times(6, with_((r) => (r['eu-west']!['euw1'] = 250)))],
    check: (t) => {
      expect(t.edges['euw1']!.up).toBe(true);
      expect(t.services['cdn']!.regions['eu-west']!.answer).not.toEqual(['euw1']);
    },
  },
  {
    name: 'all down (fail-open fallback)',
    rounds: [...times(4, allUp), ...times(FALL + 1, with_((r) => REGIONS.forEach((g) => EDGES.forEach((e) => (r[g]![e] = null)))))],
    check: (t) => {
      for (const r of REGIONS) expect(t.services['cdn']!.regions[r]!.mode).toBe('fallback');
    },
  },
];

function observations(region: string, round: Record<string, number | null>, at: number): Observation[] {
  return Object.entries(round).map(([edge, ms]) =>
    ms === null
      ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' as const, detail: 'no answer' }
      : { probeRegion: region, edge, at, ok: true, connectMs: ms, firstByteMs: ms + 1 },
  );
}

/** A region's down vote for an edge after the rounds, as its probe computes it (its last `fall` checks failed). */
function voteOf(rounds: Round[], region: string, edge: string): number {
  const last = rounds.slice(-FALL);
  return last.length === FALL && last.every((r) => r[region]![edge] === null) ? 1 : 0;
}

// ------------------------------------------------------------------ planes

let controller: ChaosProc;
let dnsProc: ChaosProc;
let worker: ChaosProc;
let ctlUrl: string;
let workerUrl: string;
let workerd: WranglerDev;
let dnsHttp: string;
let udp: UdpDnsClient;
let r53: Route53Endpoint;
let cw: CloudWatchEndpoint;
let clock = Math.floor(Date.now() / 60_000) * 60_000;
const lastKnown = new Map<string, boolean>();
const EDGE_OF = new Map(Object.entries(EDGE_ADDR).map(([e, a]) => [a, e]));
const edgeOf = (addrs: string[]): string => addrs.map((a) => EDGE_OF.get(a) ?? `?${a}`).join(',');

beforeAll(async () => {
  writePolicy(policyFile, input);
  const keyFile = writeKeyFile(tmp.dir);
  controller = startProc('controller', ['controller', '--policy', policyFile, '--listen', '127.0.0.1:0', '--no-state', '--key-file', keyFile, '--tick-ms', '100']);
  worker = startProc('worker', ['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
  const wrangler = startWranglerDev({ policyFile, vars: { EDGESTEER_PROBE_KEYS: KEYS_ENV, STATE_CACHE_MS: '250' } });
  ctlUrl = await readyUrl(controller, 'controller_listening');
  workerUrl = await readyUrl(worker, 'worker_ready');
  workerd = await wrangler;
  dnsProc = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...(DNS_INGEST === 'follow' ? ['--controller', ctlUrl] : ['--key-file', keyFile])]);
  const [ready, metrics] = await Promise.all([
    dnsProc.waitForLog((l) => l.msg === 'dns server ready', 20_000, 'dns server ready'),
    dnsProc.waitForLog((l) => l.event === 'metrics_listening', 20_000, 'metrics_listening'),
  ]);
  dnsHttp = String(metrics['url']).replace(/\/metrics$/, '');
  udp = await openUdpDns(Number(ready['port']));
  cw = await startCloudWatchEndpoint({ now: () => clock });
  r53 = await startRoute53Endpoint({ alarmExists: (_region, name) => cw.alarms.has(name) });
  r53.createZone(ZONE, ZONE_ID);
}, 120_000);

afterAll(async () => {
  await udp?.close();
  await Promise.all([dnsProc?.stop(), worker?.stop(), controller?.stop(), workerd?.stop()]);
  await r53?.close();
  await cw?.close();
  killAll();
  tmp.cleanup();
});

/** `edgesteer route53 apply` as its own process, reading the controller's table. */
function reconcilerProcess(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'route53', 'apply', '--policy', policyFile, '--table', `${ctlUrl}/v1/table`, '--endpoint', r53.url, '--cloudwatch-endpoint', cw.url], {
      env: { PATH: process.env['PATH'] ?? '', ...awsTestEnv(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function dnsQuery(ip: string): Buffer {
  const q = new Packet();
  q.header.id = 0;
  q.header.rd = 0;
  q.questions.push({ name: 'cdn.example.com', type: Packet.TYPE.A, class: Packet.CLASS.IN });
  q.additionals.push(Packet.Resource.EDNS([Packet.Resource.EDNS.ECS(`${ip.split('.').slice(0, 3).join('.')}.0/24`)]));
  return q.toBuffer();
}
const decodeAddrs = (b: Buffer): string[] => Packet.parse(b).answers.flatMap((a) => (a.address ? [a.address] : []));

async function pool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

interface Tally {
  scenario: string;
  mappedDisagree: number;
  dnsWorkerDisagree: number;
  publicRoute53Differs: number;
  publicClients: number;
  samples: string[];
}
const tallies: Tally[] = [];

describe('conformance: DNS server, Worker on Node, Worker in workerd and Route53 (each its own process) answer ≥1,000 clients alike', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const phase: Record<string, number> = {};
      let tPhase = performance.now();
      const mark = (name: string): void => {
        phase[name] = Math.round(performance.now() - tPhase);
        tPhase = performance.now();
      };
      // 1. The same signed reports to every plane that ingests them.
      const receivers = [ctlUrl, workerUrl, workerd.url, ...(DNS_INGEST === 'direct' ? [dnsHttp] : [])];
      for (const round of scenario.rounds) {
        const at = Date.now();
        for (const region of REGIONS) {
          const obs = observations(region, round[region]!, at);
          for (const url of receivers) {
            const res = await postReport(url, region, obs);
            expect(res.status, `${url}: ${await res.clone().text()}`).toBe(200);
          }
        }
      }
      mark('reports');
      // 2. The planes decide; the controller's table is what the scenario must have produced.
      const table = await until(async () => {
        const t = (await (await fetch(`${ctlUrl}/v1/table`)).json()) as RoutingTable;
        try {
          scenario.check(t);
          return t;
        } catch {
          return undefined;
        }
      }, 10_000, 'the controller to decide the scenario');
      for (const w of [workerUrl, workerd.url]) {
        await until(async () => ((await (await fetch(`${w}/v1/table`)).json()) as RoutingTable).hash === table.hash || undefined, 10_000, `the Worker at ${w} to decide the same table from the same reports`);
      }
      await until(async () => ((await (await fetch(`${dnsHttp}/healthz`)).json()) as { table: { hash: string } }).table.hash === table.hash || undefined, 10_000, 'the DNS server to serve the same table');

      mark('decide');
      // 3. Route53: the reconciler process applies the controller's table; the probes' votes reach CloudWatch.
      const rec = await reconcilerProcess();
      mark('reconciler');
      expect(rec.code, rec.stderr).toBe(0);
      const cwClient = new CloudWatchClient({ ...cw.clientConfig('us-east-1'), maxAttempts: 1 });
      const data = REGIONS.flatMap((region) => EDGES.map((edge) => ({ MetricName: 'DownVote', Dimensions: [{ Name: 'Edge', Value: edge }], Value: voteOf(scenario.rounds, region, edge), Unit: 'Count' as const, StorageResolution: 60, Timestamp: new Date(clock + 30_000) })));
      await cwClient.send(new PutMetricDataCommand({ Namespace: 'Edgesteer', MetricData: data }));
      clock += 60_000;
      cw.evaluateAlarms();
      const read = await readRoute53(testRoute53Client(r53.url), cwClient, ZONE_ID, ZONE, lastKnown);
      // The alarms say what the quorum of votes says (missing votes never count).
      for (const edge of EDGES) {
        const votes = REGIONS.reduce((n, region) => n + voteOf(scenario.rounds, region, edge), 0);
        expect(read.alarms.get(`edgesteer-${policy.owner}-${edge}`), `alarm of ${edge}`).toBe(votes >= policy.health.quorum ? 'ALARM' : 'OK');
      }

      // 4. Every client on every plane.
      const doh = async (base: string, q: Buffer): Promise<string> => {
        const res = await fetch(`${base}/dns-query`, { method: 'POST', body: new Uint8Array(q), headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' } });
        return res.ok ? edgeOf(decodeAddrs(Buffer.from(await res.arrayBuffer()))) : `http ${res.status}`;
      };
      const lat: Record<string, number> = {};
      const rows = await pool(CLIENTS, 16, async (c) => {
        const timed = async <T>(k: string, p: Promise<T>): Promise<T> => {
          const t0 = performance.now();
          const v = await p;
          lat[k] = (lat[k] ?? 0) + performance.now() - t0;
          return v;
        };
        const q = dnsQuery(c.ip);
        const [viaDns, viaWorker, viaWorkerd] = await Promise.all([timed('dns', udp.query(q, 3000)), timed('node', doh(workerUrl, q)), timed('workerd', doh(workerd.url, q))]);
        const viaR53 = evaluate(read.world, 'cdn.example.com', 'A', { awsRegion: c.aws, ip: c.ip }, read.healthy);
        return { c, dns: viaDns ? edgeOf(decodeAddrs(viaDns)) : 'lost', worker: viaWorker, workerd: viaWorkerd, route53: edgeOf(viaR53?.values ?? []) };
      });
      mark('queries');
      for (const k of Object.keys(lat)) phase[`avg ${k}`] = Math.round((lat[k]! / CLIENTS.length) * 10) / 10;
      const t: Tally = { scenario: scenario.name, mappedDisagree: 0, dnsWorkerDisagree: 0, publicRoute53Differs: 0, publicClients: 0, samples: [] };
      for (const r of rows) {
        if (r.dns !== r.worker || r.dns !== r.workerd) {
          t.dnsWorkerDisagree++;
          if (t.samples.length < 5) t.samples.push(`${r.c.label} ${r.c.ip}: dns ${r.dns} worker ${r.worker} workerd ${r.workerd}`);
        }
        if (r.c.mapped) {
          // Mapped clients: the table's answer for their region, on every plane.
          const want = table.services['cdn']!.regions[r.c.mapped]!.answer.join(',');
          if (r.dns !== want || r.worker !== want || r.workerd !== want || r.route53 !== want) {
            t.mappedDisagree++;
            if (t.samples.length < 5) t.samples.push(`${r.c.label} ${r.c.ip}: want ${want} dns ${r.dns} worker ${r.worker} workerd ${r.workerd} route53 ${r.route53}`);
          }
        } else {
          t.publicClients++;
          if (r.route53 !== r.dns) t.publicRoute53Differs++;
        }
      }
      tallies.push(t);
      console.log(
        `[conformance] ${scenario.name}: ${CLIENTS.length} clients × 4 planes; mapped (clientCidrs) disagreements ${t.mappedDisagree}/300; DNS≠Worker(Node/workerd) ${t.dnsWorkerDisagree}; ` +
          `public clients where Route53 (AWS latency) ≠ self-hosted planes ${t.publicRoute53Differs}/${t.publicClients} (${((100 * t.publicRoute53Differs) / t.publicClients).toFixed(1)}%); Route53 read back in ${read.calls} SDK calls; ms ${JSON.stringify(phase)}` +
          (t.samples.length ? `; e.g. ${t.samples.join(' | ')}` : ''),
      );
      expect(rows).toHaveLength(CLIENTS.length);
      expect(rows.filter((r) => r.dns === 'lost' || r.dns === '')).toEqual([]);
      expect(t.samples).toEqual([]);
      expect(t.mappedDisagree).toBe(0);
      expect(t.dnsWorkerDisagree).toBe(0);
    }, 120_000);
  }
});
