/**
 * Every plane places real internet clients the same way. 10,000 public
 * addresses sampled from the embedded GeoIP database (every country it
 * lists, IPv4 and IPv6) are asked, each in its own process:
 *  - the DNS server over UDP with `dig -f` (+subnet=address/32 or /128);
 *  - the Worker on Node over DoH (POST, ECS in the message) and /resolve;
 *  - the Worker in workerd (wrangler dev, the bundled client map) over DoH
 *    (every country's first addresses, about 2,000: see the test);
 *  - `edgesteer explain --clients`.
 * Each must give the region the compiled client map says, the same answer
 * for it, and (DNS, DoH) the same ECS scope. Responses are decoded by dig
 * and dns2, never by our codec. Policy: config/examples/geo-five-regions.yaml.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dns2 from 'dns2';
import { compileClientMapSync, databaseRecords } from '@edgesteer/geo';
import { loadPolicyFile, parseIp, type Policy } from '@edgesteer/policy';
import { v4Text, v6Text, type ClientMap } from '@edgesteer/core';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { CLI, freePort, startCli, type Proc } from './support/processes.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';
import { startWranglerDev, type WranglerDev } from './support/worker-harness.js';
import { seededRandom } from '@edgesteer/probes';

const POLICY_FILE = new URL('../config/examples/geo-five-regions.yaml', import.meta.url).pathname;
const V4_SAMPLES = 6000;
const V6_SAMPLES = 4000;
const run = promisify(execFile);

interface Sample {
  address: string;
  family: 4 | 6;
  country: string;
  region: string;
  scope: number;
}

/** The same seeded generator as the probes' jitter (mulberry32): the same addresses every run. */
const prng = seededRandom;

/** Samples addresses round-robin over the countries, so every country the database lists is asked. */
function sample(policy: Policy, map: ClientMap): Sample[] {
  const rec = databaseRecords(policy, POLICY_FILE)!;
  const rand = prng(12);
  const byCountry = (fam: 4 | 6) => {
    const out = new Map<string, number[]>();
    const locs = fam === 4 ? rec.v4.loc : rec.v6.loc;
    locs.forEach((l, i) => {
      const c = rec.locations[l]?.country ?? '??';
      let list = out.get(c);
      if (!list) out.set(c, (list = []));
      list.push(i);
    });
    return out;
  };
  const out: Sample[] = [];
  const seen = new Set<string>();
  for (const fam of [4, 6] as const) {
    const groups = [...byCountry(fam).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const want = fam === 4 ? V4_SAMPLES : V6_SAMPLES;
    let taken = 0;
    for (let round = 0; taken < want && round < 1000; round++) {
      for (const [country, idx] of groups) {
        if (taken >= want) break;
        const i = idx[Math.floor(rand() * idx.length)]!;
        let address: string;
        if (fam === 4) {
          const s = rec.v4.start[i]!;
          const size = rec.v4.end[i]! - s + 1;
          address = v4Text(s + Math.floor(rand() * size));
        } else {
          const s = rec.v6.start[i]!;
          const size = rec.v6.end[i]! - s + 1n;
          const r = (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
          address = v6Text(s + (((r << 64n) | r) % size));
        }
        if (seen.has(address)) continue;
        seen.add(address);
        const m = map.lookup(parseIp(address)!.bytes);
        out.push({ address, family: fam, country, region: m.region, scope: m.scopePrefix });
        taken++;
      }
    }
  }
  return out;
}

let dir: string;
let policy: Policy;
let map: ClientMap;
let samples: Sample[];
/** IPv4 answer address → region (one edge per region). */
let regionOf: Map<string, string>;
let dns: DnsProcess;
let worker: Proc;
let workerUrl: string;
let workerd: WranglerDev;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgesteer-geo-e2e-'));
  const loaded = await loadPolicyFile(POLICY_FILE);
  if (!loaded.ok) throw new Error('example policy invalid');
  policy = loaded.policy;
  map = compileClientMapSync(policy, POLICY_FILE).map;
  samples = sample(policy, map);
  regionOf = new Map(policy.edges.map((e) => [e.ipv4[0]!, e.region]));
  const workerPort = await freePort();
  workerUrl = `http://127.0.0.1:${workerPort}`;
  worker = startCli(['worker', '--policy', POLICY_FILE, '--listen', `127.0.0.1:${workerPort}`]);
  [dns, workerd] = await Promise.all([
    startDnsProcess(['--policy', POLICY_FILE, '--listen', '127.0.0.1:0']),
    startWranglerDev({ policyFile: POLICY_FILE, cf: { colo: 'FRA', country: 'DE', continent: 'EU' } }),
    worker.waitFor(/worker_ready/, 30_000),
  ]);
}, 180_000);

afterAll(async () => {
  await dns?.stop();
  await worker?.stop();
  await workerd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Up to 5 IPv4 and 3 IPv6 samples of every country (about 2,000). */
function workerdSamples(): Sample[] {
  const taken = new Map<string, number>();
  return samples.filter((s) => {
    const key = `${s.country}/${s.family}`;
    const n = taken.get(key) ?? 0;
    taken.set(key, n + 1);
    return n < (s.family === 4 ? 5 : 3);
  });
}

/** Runs `fn` over items with at most `n` in flight. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * GET over keep-alive HTTP/1.1 (node:http): about a quarter of fetch's
 * client CPU per request, which is what bounds 30,000 requests on two cores.
 */
function httpGet(agent: http.Agent, base: string, path: string): Promise<Buffer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: Number(u.port), path, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The DoH GET path for a query with ECS address/32|128. */
function dohPath(s: Sample): string {
  const q = encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(`${s.address}/${s.family === 4 ? 32 : 128}`) } });
  return `/dns-query?dns=${Buffer.from(q).toString('base64url')}`;
}

/** A DoH response decoded by dns2: [first A address, ECS scope]. */
function decodeDoh(bytes: Buffer): [string | undefined, number | undefined] {
  const msg = dns2.Packet.parse(bytes) as unknown as {
    answers: Array<{ type: number; address?: string }>;
    additionals: Array<{ type: number; rdata?: Array<{ ednsCode?: number; scopePrefixLength?: number }> }>;
  };
  const a = msg.answers.find((r) => r.type === 1)?.address;
  const ecs = msg.additionals.find((r) => r.type === 41)?.rdata?.find((o) => o.ednsCode === 8);
  return [a, ecs?.scopePrefixLength];
}

describe('client geography: every plane places 10,000 real addresses alike', () => {
  it('samples at least 10,000 public addresses from every country of the database, IPv4 and IPv6', () => {
    expect(samples.length).toBeGreaterThanOrEqual(10_000);
    expect(samples.filter((s) => s.family === 6).length).toBeGreaterThanOrEqual(V6_SAMPLES);
    expect(new Set(samples.map((s) => s.country)).size).toBeGreaterThan(200);
    // Geography, not the default region: every region gets clients, and well-known countries land where expected.
    const regions = new Set(samples.map((s) => s.region));
    expect([...regions].sort()).toEqual(policy.regions.map((r) => r.id).sort());
    const where = (country: string) => new Set(samples.filter((s) => s.country === country).map((s) => s.region));
    expect(where('GB')).toEqual(new Set(['eu-west']));
    expect(where('JP')).toEqual(new Set(['ap-northeast']));
    expect(where('BR')).toEqual(new Set(['sa-east']));
    expect(where('SG')).toEqual(new Set(['ap-southeast']));
    expect(where('ZA')).toEqual(new Set(['eu-west'])); // continents: [AF]
    expect(where('RU')).toEqual(new Set(['eu-west'])); // countries: [RU]
  });

  it('the DNS server (dig -f over UDP, +subnet) answers every address with its region\'s edge and the map\'s ECS scope', async () => {
    const halves = [samples.slice(0, samples.length / 2), samples.slice(samples.length / 2)];
    const outs = await Promise.all(
      halves.map(async (part, h) => {
        const file = join(dir, `dig-${h}.txt`);
        writeFileSync(file, part.map((s) => `@127.0.0.1 -p ${dns.port} cdn.example.com A +subnet=${s.address}/${s.family === 4 ? 32 : 128} +noall +answer +comments +tries=2 +time=2`).join('\n') + '\n');
        const { stdout } = await run('dig', ['-f', file], { maxBuffer: 64 * 1024 * 1024, timeout: 50_000 });
        return stdout;
      }),
    );
    const blocks = outs.flatMap((o) => o.split(';; Got answer:').slice(1));
    expect(blocks.length).toBe(samples.length);
    const wrong: string[] = [];
    blocks.forEach((b, i) => {
      const s = samples[i]!;
      const subnet = /CLIENT-SUBNET: (\S+)\/(\d+)\/(\d+)/.exec(b);
      const a = /\sIN\s+A\s+(\S+)/.exec(b)?.[1];
      const region = a ? regionOf.get(a) : undefined;
      if (region !== s.region || Number(subnet?.[3]) !== s.scope) wrong.push(`${s.address} (${s.country}): got ${region}/${subnet?.[3]}, map says ${s.region}/${s.scope}`);
    });
    expect(wrong.slice(0, 10)).toEqual([]);
  }, 60_000);

  // One test for both Workers: the two server processes answer side by side (they are separate processes on two cores).
  // workerd behind wrangler dev's local proxy costs several ms a request: it gets every country's first addresses
  // (about 2,000, IPv4 and IPv6), and the map hash shows it holds the very map the others answer from.
  it('the Worker on Node (DoH with ECS, /resolve: all 10,000) and in workerd (bundled map, DoH: every country) answer alike, with the same map hash', async () => {
    const health = (await (await fetch(`${workerd.url}/healthz`)).json()) as { clientMapHash: string };
    expect(health.clientMapHash).toBe(map.hash);
    const nodeHealth = (await (await fetch(`${workerUrl}/healthz`)).json()) as { clientMapHash: string };
    expect(nodeHealth.clientMapHash).toBe(map.hash);
    expect(dns.logs.find((l) => l['event'] === 'client_map_loaded')?.['clientMapHash']).toBe(map.hash);
    const wrongNode: string[] = [];
    const wrongWorkerd: string[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 48 });
    await Promise.all([
      pool(samples, 24, async (s) => {
        const [a, scope] = decodeDoh(await httpGet(agent, workerUrl, dohPath(s)));
        const res = JSON.parse((await httpGet(agent, workerUrl, `/resolve?name=cdn.example.com&type=A&edns_client_subnet=${encodeURIComponent(s.address)}`)).toString()) as { Answer?: Array<{ data: string }> };
        const viaResolve = res.Answer?.[0] ? regionOf.get(res.Answer[0].data) : undefined;
        if (regionOf.get(a ?? '') !== s.region || scope !== s.scope || viaResolve !== s.region) wrongNode.push(`${s.address}: DoH ${regionOf.get(a ?? '')}/${scope}, /resolve ${viaResolve}; map ${s.region}/${s.scope}`);
      }),
      pool(workerdSamples(), 24, async (s) => {
        const [a, scope] = decodeDoh(await httpGet(agent, workerd.url, dohPath(s)));
        if (regionOf.get(a ?? '') !== s.region || scope !== s.scope) wrongWorkerd.push(`${s.address}: ${regionOf.get(a ?? '')}/${scope}; map ${s.region}/${s.scope}`);
      }),
    ]);
    agent.destroy();
    expect(wrongNode.slice(0, 10)).toEqual([]);
    expect(wrongWorkerd.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('`edgesteer explain --clients` gives the same region, scope and answer for every address', async () => {
    const file = join(dir, 'clients.txt');
    writeFileSync(file, samples.map((s) => s.address).join('\n') + '\n');
    const r = await run(process.execPath, [CLI, 'explain', '--policy', POLICY_FILE, '--clients', file, '--service', 'cdn'], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { address: string; region: string; scopePrefix: number; answer: string[] });
    expect(lines.length).toBe(samples.length);
    const wrong = lines.filter((l, i) => l.address !== samples[i]!.address || l.region !== samples[i]!.region || l.scopePrefix !== samples[i]!.scope || regionOf.get(l.answer[0]!) !== l.region);
    expect(wrong.slice(0, 10)).toEqual([]);
  }, 30_000);
});
