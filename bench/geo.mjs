#!/usr/bin/env node
/**
 * The client map's cost, side by side in one run:
 *  - `edgesteer dns` with the world map (the embedded GeoIP database) vs the
 *    same policy with `geo: { enabled: false }` (clientCidrs only): max qps
 *    (dnsperf) and p50/p99 at a fixed load, every query carrying the ECS of
 *    a different public address sampled from the database (so the map is
 *    really searched: 4,000 distinct subnets, IPv4 /24 and IPv6 /48);
 *  - resident memory of each server once it answers;
 *  - compile time: cold (database listed, nothing cached) and warm (records
 *    cached, the policy compiled), and the map's size;
 *  - one lookup (lookupInto, no allocation), in ns.
 *
 *   node bench/geo.mjs [--quick]      on its own (after npx tsc -b)
 *   npm run bench                      as the "geo" phase (--skip geo leaves it out)
 *
 * Only 127.0.0.1 traffic. Goal from the issue: world-map qps at most 10% below CIDR-only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startProcess } from './lib/procs.mjs';
import { waitForDns } from './lib/ready.mjs';
import { freePort } from './lib/ports.mjs';
import { benchPolicy } from './lib/policy.mjs';
import { dnsperfAtRate, dnsperfMax } from './lib/dnsperf.mjs';
import { CLI, NODE, ROOT } from './lib/cli.mjs';
import { SERVICE_NAME } from './lib/scenario.mjs';

const SAMPLES = 4000;

/** Public addresses from the database, as ECS subnets (IPv4 /24, IPv6 /48). */
async function sampleSubnets(policy) {
  const geo = await import('@edgesteer/geo');
  const { v4Text, v6Text } = await import('@edgesteer/core');
  const rec = geo.databaseRecords(policy);
  let a = 99;
  const rand = () => {
    a = (a * 1103515245 + 12345) >>> 0;
    return a / 2 ** 32;
  };
  const out = [];
  for (let i = 0; out.length < SAMPLES; i++) {
    if (i % 3 !== 2) {
      const k = Math.floor(rand() * rec.v4.loc.length);
      const s = rec.v4.start[k];
      const x = (s + Math.floor(rand() * (rec.v4.end[k] - s + 1))) & 0xffffff00;
      out.push({ family: 1, text: `${v4Text(x >>> 0)}/24` });
    } else {
      const k = Math.floor(rand() * rec.v6.loc.length);
      const x = (rec.v6.start[k] >> 80n) << 80n;
      out.push({ family: 2, text: `${v6Text(x)}/48` });
    }
  }
  return out;
}

async function writeQueries(file, subnets) {
  const { encodeQuery, ecsFromCidr, TYPE } = await import('@edgesteer/dns-wire');
  const chunks = [];
  for (const s of subnets) {
    const pkt = Buffer.from(encodeQuery({ name: SERVICE_NAME, type: TYPE.A, edns: { ecs: ecsFromCidr(s.text) } }));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(pkt.length);
    chunks.push(len, pkt);
  }
  writeFileSync(file, Buffer.concat(chunks));
}

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Compile timings in a fresh process (nothing in memory), with the given cache directory. */
function compileTiming(policyFile, cacheDir) {
  const script = `
    const { compileClientMapSync } = await import('@edgesteer/geo');
    const { loadPolicyFile } = await import('@edgesteer/policy');
    const p = (await loadPolicyFile(${JSON.stringify(policyFile)})).policy;
    const t = performance.now();
    const c = compileClientMapSync(p, ${JSON.stringify(policyFile)});
    const ms = performance.now() - t;
    const out = { ranges4: c.map.stats.v4Ranges, ranges6: c.map.stats.v6Ranges, bytes: c.map.stats.bytes, cached: c.cached, ms };
    const b = new Uint8Array(4); const r = { regionIndex: 0, region: '', scopePrefix: 0, rule: 'default' };
    let x = 7; const n = 2e6; const t2 = performance.now();
    for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[0] = x >>> 24; b[1] = x >>> 16; b[2] = x >>> 8; b[3] = x; c.map.lookupInto(b, 0, 4, 24, r); }
    out.lookupNs = ((performance.now() - t2) * 1e6) / n;
    console.log(JSON.stringify(out));`;
  const r = spawnSync(NODE, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EDGESTEER_GEO_CACHE: cacheDir }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`E_BENCH_GEO_COMPILE: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function serve(name, policyFile, dir) {
  const port = await freePort();
  const proc = startProcess(name, NODE, [CLI, 'dns', '--policy', policyFile, '--listen', `127.0.0.1:${port}`, '--workers', '1', '--rrl-rate', '0', '--log-level', 'warn'], {
    cwd: ROOT,
    logFile: join(dir, `${name}.log`),
    env: { ...process.env, EDGESTEER_LOG_LEVEL: 'warn' },
  });
  await waitForDns(port, proc, 60_000);
  return { port, proc };
}

/** The geo phase (see module doc). */
export async function geoPhase({ quick = false, log = console.error, dir } = {}) {
  const work = dir ?? mkdtempSync(join(tmpdir(), 'edgesteer-bench-geo-'));
  mkdirSync(work, { recursive: true });
  const seconds = quick ? 4 : 10;
  // The bench scenario's policy (zone example.com, three regions with their clientCidrs), with and without the world map.
  const base = benchPolicy({ edgePort: 18080 });
  const files = {
    world: join(work, 'geo-world.json'),
    cidr: join(work, 'geo-cidr-only.json'),
  };
  writeFileSync(files.world, JSON.stringify({ ...base, geo: { enabled: true } }));
  writeFileSync(files.cidr, JSON.stringify({ ...base, geo: { enabled: false } }));
  const { loadPolicyFile } = await import('@edgesteer/policy');
  const policy = (await loadPolicyFile(files.world)).policy;
  const queries = join(work, 'geo-queries.bin');
  await writeQueries(queries, await sampleSubnets(policy));

  log('[bench geo] compile: cold (no cache) and warm (records cached)');
  const cache = join(work, 'geo-cache');
  const cold = compileTiming(files.world, cache);
  rmSync(join(cache), { recursive: true, force: true, maxRetries: 2 });
  compileTiming(files.world, cache); // fills the records cache
  for (const f of spawnSync('ls', [cache], { encoding: 'utf8' }).stdout.split('\n')) if (f.endsWith('.escm')) rmSync(join(cache, f));
  const warm = compileTiming(files.world, cache);

  const out = { seconds, samples: SAMPLES, compile: { coldMs: Math.round(cold.ms), warmMs: Math.round(warm.ms) }, map: { v4Ranges: cold.ranges4, v6Ranges: cold.ranges6, bytes: cold.bytes }, lookupNs: Math.round(warm.lookupNs), servers: {} };
  // Max qps in ABBA order (world, CIDR, CIDR, world), each on a fresh server: drift in machine load hits both alike.
  const qpsRuns = { world: [], cidr: [] };
  for (const id of ['world', 'cidr', 'cidr', 'world']) {
    log(`[bench geo] edgesteer dns, ${id === 'world' ? 'world map' : 'clientCidrs only'}`);
    const s = await serve(`edgesteer-dns-${id}`, files[id], work);
    try {
      const rss = rssBytes(s.proc.pid);
      const max = await dnsperfMax({ file: queries, port: s.port, seconds });
      qpsRuns[id].push(max.qps);
      out.servers[id] = { rssBytes: rss, qps: 0, qpsRuns: qpsRuns[id], lost: (out.servers[id]?.lost ?? 0) + max.lost };
    } finally {
      await s.proc.stop(5000);
    }
  }
  for (const id of ['world', 'cidr']) out.servers[id].qps = Math.round(qpsRuns[id].reduce((a, b) => a + b, 0) / qpsRuns[id].length);
  // p99 at the same fixed load for both: half the lower max qps.
  const rate = Math.max(1000, Math.round(Math.min(out.servers.world.qps, out.servers.cidr.qps) / 2));
  for (const [id, file] of Object.entries(files)) {
    const s = await serve(`edgesteer-dns-${id}-p99`, file, work);
    try {
      const r = await dnsperfAtRate({ file: queries, port: s.port, seconds, qps: rate });
      Object.assign(out.servers[id], { rateQps: rate, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
    } finally {
      await s.proc.stop(5000);
    }
  }
  out.qpsRatio = out.servers.world.qps / out.servers.cidr.qps;
  out.p99Ratio = out.servers.world.p99Ms / out.servers.cidr.p99Ms;
  if (!dir) rmSync(work, { recursive: true, force: true });
  return out;
}

/** Console table. */
export function geoSummary(g) {
  const mb = (b) => (b == null ? '?' : `${(b / 1024 / 1024).toFixed(1)} MiB`);
  const rows = Object.entries(g.servers).map(([id, s]) => `  ${(id === 'world' ? 'world map' : 'CIDR only').padEnd(10)} ${String(s.qps).padStart(8)} qps (runs ${s.qpsRuns.map((q) => Math.round(q)).join(', ')})   p50 ${s.p50Ms?.toFixed(3)} ms  p99 ${s.p99Ms?.toFixed(3)} ms at ${s.rateQps} qps   RSS ${mb(s.rssBytes)}`);
  return [
    `client map: ${g.map.v4Ranges} IPv4 + ${g.map.v6Ranges} IPv6 ranges, ${mb(g.map.bytes)}; compile cold ${g.compile.coldMs} ms, warm ${g.compile.warmMs} ms; lookup ${g.lookupNs} ns`,
    ...rows,
    `  world/CIDR-only: qps ${(g.qpsRatio * 100).toFixed(1)}% (goal ≥ 90%), p99 ${(g.p99Ratio * 100).toFixed(0)}%; ${g.samples} distinct ECS subnets, ${g.seconds} s per run`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const g = await geoPhase({ quick: process.argv.includes('--quick') });
  console.log(geoSummary(g));
  const { stopAll } = await import('./lib/procs.mjs');
  await stopAll();
}
