/**
 * Load with a moving routing table: `edgesteer dns` follows a controller
 * (the test's stand-in, test/support/dns-fake-controller.ts) whose table
 * changes every 100 ms, while dnsperf drives it at 80% of the capacity
 * measured a moment before (same conditions, table churning) — ~10 s in CI,
 * 60 s with `npm run soak`.
 *
 * Checked against the table version served:
 * - dnsperf: zero lost queries.
 * - A checker client asks for the steered name per region (ECS) and for the
 *   SOA, whose serial is the table version. Table v answers region r with
 *   edge (v + offset(r)) mod 16, so every A answer names the version it came
 *   from. Each answer must belong to a version the controller had published
 *   by the time it arrived and no more than 1 s older than the newest
 *   published when the query left; versions never go backwards per client.
 * - Resident memory of the server stays flat (last fifth vs first fifth).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyHash, type RoutingTable } from '@edgesteer/core';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { PolicySchema, type PolicyInput } from '@edgesteer/policy';
import { startFakeController, type FakeController } from '../support/dns-fake-controller.js';
import { chaosLine, scale, SOAK } from '../chaos/support/report.js';
import { killAll, sleep, startProc, until, type ChaosProc } from '../chaos/support/proc.js';
import { tempDir } from '../chaos/support/stack.js';
import { addressesOf, openUdpDns, soaSerialOf, startQueryLoop, type UdpDnsClient } from '../chaos/support/udp-dns.js';

const K = 16;
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
const OFFSET: Record<string, number> = { 'us-east': 0, 'eu-west': 5, 'ap-south': 11 };
const SUBNET: Record<string, string> = { 'us-east': '10.1.9.0/24', 'eu-west': '10.2.9.0/24', 'ap-south': '10.3.9.0/24' };
const edgeId = (i: number) => `e${String(i).padStart(2, '0')}`;
const addrOf = (i: number) => `127.0.80.${i + 1}`;
const CHURN_MS = 100;
/** Versions an answer may lag the newest published one: 1 s of table changes. */
const LAG = 1000 / CHURN_MS;
const RUN_S = scale(10, 60);
/**
 * Over a minute, V8 lets the heap grow before it collects, so RSS alone rises
 * (~40 MB) without a leak (heap after GC stays ~14 MB). The soak therefore
 * caps the old generation: a leak would crash the server or collapse its
 * throughput, which the assertions below would catch.
 */
const HEAP_CAP_MB = 96;
const RSS_DRIFT_MB = scale(15, 64);

const input: PolicyInput = {
  version: 1,
  owner: 'edgesteer-load',
  zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
  regions: [
    { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
    { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16'] },
    { id: 'ap-south', aws: 'ap-southeast-1', clientCidrs: ['10.3.0.0/16'] },
  ],
  edges: Array.from({ length: K }, (_, i) => ({ id: edgeId(i), region: REGIONS[i % 3]!, ipv4: [addrOf(i)], check: { type: 'http' as const, port: 80 } })),
  services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: Array.from({ length: K }, (_, i) => edgeId(i)), answers: 1, ttl: 30 }],
};
const policy = PolicySchema.parse(input);
const pHash = policyHash(policy);

/** The table of version v (hand-built: the DNS plane's job is to serve it exactly). */
function tableOf(v: number): RoutingTable {
  const regions: RoutingTable['services'][string]['regions'] = {};
  for (const r of REGIONS) {
    const i = (v + OFFSET[r]!) % K;
    regions[r] = { answer: [edgeId(i)], ranked: [edgeId(i), edgeId((i + 1) % K)], mode: 'ranked' };
  }
  return {
    version: v,
    hash: `load-${v}`,
    policyHash: pHash,
    generatedAt: Date.now(),
    services: { cdn: { name: 'cdn.example.com', ttl: 30, types: ['A'], steering: 'latency', regions } },
    edges: Object.fromEntries(Array.from({ length: K }, (_, i) => [edgeId(i), { up: true, drain: false }])),
  } as RoutingTable;
}

const tmp = tempDir('load');
let fake: FakeController;
let dns: ChaosProc;
let port: number;
let client: UdpDnsClient;
let version = 1;
const publishedAt: number[] = [];
let churn: NodeJS.Timeout | undefined;

beforeAll(async () => {
  const file = join(tmp.dir, 'policy.json');
  writeFileSync(file, JSON.stringify(input));
  fake = await startFakeController(tableOf(version));
  publishedAt[version] = Date.now();
  dns = startProc('dns', ['dns', '--policy', file, '--listen', '127.0.0.1:0', '--controller', fake.url], SOAK ? { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` } : {});
  port = Number((await dns.waitForLog((l) => l.msg === 'dns server ready', 20_000))['port']);
  client = await openUdpDns(port);
  // The assume-up start table is version 1 too: wait for the controller's own answers, not only its serial.
  const want = ((version + OFFSET['us-east']!) % K) + 1;
  await until(async () => {
    if (soaSerialOf((await client.query(encodeQuery({ name: 'example.com', type: TYPE.SOA })))!) !== version) return undefined;
    const addrs = addressesOf((await client.query(encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(SUBNET['us-east']!) } })))!);
    return addrs.length === 1 && Number(addrs[0]!.split('.')[3]) === want ? true : undefined;
  }, 10_000, 'the DNS server to follow the controller');
}, 60_000);

afterAll(async () => {
  if (churn) clearInterval(churn);
  await client?.close();
  await dns?.stop();
  await fake?.close();
  killAll();
  tmp.cleanup();
});

interface PerfResult {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  raw: string;
}

function dnsperf(args: string[], timeoutMs: number): Promise<PerfResult> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/dnsperf', ['-s', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
      const r = { sent: num(/Queries sent:\s+(\d+)/), completed: num(/Queries completed:\s+(\d+)/), lost: num(/Queries lost:\s+(\d+)/), qps: num(/Queries per second:\s+([\d.]+)/), raw: stdout + stderr };
      if (err && Number.isNaN(r.sent)) reject(new Error(`dnsperf failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(r);
    });
  });
}

describe('load with a table changing every 100 ms', () => {
  it(`dnsperf at 80% of measured capacity for ${RUN_S} s: no lost queries, no wrong answers, flat memory`, async () => {
    const data = join(tmp.dir, 'queries.txt');
    writeFileSync(data, ['cdn.example.com A', 'example.com SOA', 'ns1.example.com A', 'nope.example.com A', 'example.com NS', 'cdn.example.com AAAA'].join('\n') + '\n');

    churn = setInterval(() => {
      version++;
      publishedAt[version] = Date.now();
      fake.setTable(tableOf(version));
    }, CHURN_MS);
    const newestAt = (t: number) => {
      let v = version;
      while (v > 1 && (publishedAt[v] ?? Infinity) > t) v--;
      return v;
    };

    // The checker: every answer traced back to the version it came from.
    const lastSeen = new Map<number, number>();
    let servedMax = 0;
    const queries = [
      ...REGIONS.map((r) => ({ region: r as string | undefined, q: encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(SUBNET[r]!) } }) })),
      { region: undefined, q: encodeQuery({ name: 'example.com', type: TYPE.SOA }) },
    ];
    const lanes = 4;
    const loop = startQueryLoop(client, {
      concurrency: lanes,
      pauseMs: 2,
      make: (i) => queries[i % queries.length]!.q,
      check: (i, res, sentAt) => {
        const lane = i % lanes;
        const { region } = queries[i % queries.length]!;
        const hi = newestAt(Date.now());
        const lo = newestAt(sentAt) - LAG;
        let v: number | undefined;
        if (region === undefined) v = soaSerialOf(res);
        else {
          const addrs = addressesOf(res);
          const idx = addrs.length === 1 ? Number(addrs[0]!.split('.')[3]) - 1 : -1;
          if (idx < 0 || idx >= K) return `${region}: answer ${addrs.join(',')}`;
          // The one version in [lo, hi] with this answer (K > window, so at most one).
          for (let c = Math.max(1, lo); c <= hi; c++) if ((c + OFFSET[region]!) % K === idx) v = c;
        }
        if (v === undefined || v < lo || v > hi) return `${region ?? 'SOA'}: version ${v} outside [${lo}, ${hi}]`;
        const prev = lastSeen.get(lane) ?? 0;
        if (region === undefined && v < prev) return `SOA went back from ${prev} to ${v}`;
        lastSeen.set(lane, Math.max(prev, v));
        servedMax = Math.max(servedMax, v);
        return null;
      },
    });

    try {
      // Capacity, measured under the same churn.
      const cap = await dnsperf(['-d', data, '-l', '3', '-q', '100', '-t', '5'], 20_000);
      const target = Math.max(1000, Math.floor(cap.qps * 0.8));
      const rss: number[] = [];
      const sampler = setInterval(() => rss.push(dns.rssMb()), 500);
      const versionsBefore = version;
      const run = await dnsperf(['-d', data, '-l', String(RUN_S), '-Q', String(target), '-q', '100', '-t', '5'], (RUN_S + 30) * 1000);
      clearInterval(sampler);
      const versionsDuring = version - versionsBefore;
      await sleep(200);
      const q = await loop.stop();
      clearInterval(churn);
      churn = undefined;

      const fifth = Math.max(1, Math.floor(rss.length / 5));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const rssFirst = mean(rss.slice(0, fifth));
      const rssLast = mean(rss.slice(-fifth));
      chaosLine(`dnsperf at 80% of capacity for ${RUN_S} s while the table changes every ${CHURN_MS} ms`, `dnsperf loses 0, checker: 0 lost, 0 wrong (answer ∈ published versions, ≤ 1 s behind), RSS steady (< ${RSS_DRIFT_MB} MB drift${SOAK ? `, old space capped at ${HEAP_CAP_MB} MB` : ''})`, {
        lost: run.lost + q.lost,
        wrong: q.wrong,
        rssMb: { before: rssFirst, after: rssLast },
        extra: [
          `capacity ${Math.round(cap.qps)} qps`,
          `target ${target} qps, achieved ${Math.round(run.qps)} qps (${run.completed} queries)`,
          `table versions ${versionsDuring} (served up to v${servedMax} of v${version})`,
          `checker ${q.answered} answers`,
          `RSS every ~${Math.round(RUN_S / 6)} s: ${rss.filter((_, i) => i % Math.max(1, Math.round(rss.length / 6)) === 0).map((x) => x.toFixed(0)).join(' → ')} MB`,
        ],
      });
      expect(run.lost, run.raw).toBe(0);
      expect(run.completed).toBeGreaterThan(target * RUN_S * 0.5);
      expect(q.lost).toBe(0);
      expect(q.wrongSamples).toEqual([]);
      expect(q.answered).toBeGreaterThan(RUN_S * 50);
      expect(versionsDuring).toBeGreaterThan((RUN_S * 1000) / CHURN_MS / 2);
      // The server kept up with the controller: it served one of the last versions.
      expect(servedMax).toBeGreaterThan(version - LAG);
      expect(rssLast - rssFirst).toBeLessThan(RSS_DRIFT_MB);
      // Soak files run one at a time, so throughput is comparable: a leak under the heap cap would collapse it.
      if (SOAK) expect(run.qps).toBeGreaterThan(target * 0.9);
      expect(dns.alive()).toBe(true);
    } finally {
      if (churn) clearInterval(churn);
      await loop.stop();
    }
  }, (RUN_S + 60) * 1000);
});
