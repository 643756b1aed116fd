#!/usr/bin/env node
/**
 * Direct fan-out cost: what one receiver (controller, DNS server, Worker on
 * Node) pays per signed probe report, measured on real processes.
 *
 * Each receiver runs alone (the others stopped) while this script plays
 * `--probes` probes, each sending one report per `--flush-ms` with one
 * observation per edge (`--edges`), for `--seconds`. Measured per receiver:
 * reports/s accepted, request bytes/s, and its CPU time (utime + stime from
 * /proc) per report — the figure the capacity table in the README is built
 * from: a receiver spends (probes × reports/s per probe × CPU per report).
 *
 *   npm run build && node bench/fanout.mjs [--probes 30] [--edges 20] [--flush-ms 1000] [--seconds 6]
 *
 * Prints a Markdown table and writes bench/results/fanout.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signReport } from '../packages/core/dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PROBES = arg('probes', 30);
const EDGES = arg('edges', 20);
const FLUSH_MS = arg('flush-ms', 1000);
const SECONDS = arg('seconds', 6);
const REGIONS = ['us-east', 'eu-west', 'ap-south'];

const dir = mkdtempSync(join(tmpdir(), 'edgesteer-fanout-'));
const edges = Array.from({ length: EDGES }, (_, i) => ({ id: `e${i}`, region: REGIONS[i % 3], ipv4: [`127.0.1.${i + 1}`], check: { type: 'http', port: 9, intervalMs: 5000, timeoutMs: 1000 } }));
const policy = {
  version: 1,
  owner: 'fanout',
  zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'h.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
  regions: REGIONS.map((id, i) => ({ id, aws: ['us-east-1', 'eu-west-1', 'ap-south-1'][i], clientCidrs: [`10.${i + 1}.0.0/16`], ...(i === 0 ? { default: true } : {}) })),
  edges,
  services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: edges.map((e) => e.id), answers: 2 }],
  health: { quorum: 2, staleAfterMs: Math.max(30_000, FLUSH_MS * 5), rttAlpha: 0.3 },
};
const policyFile = join(dir, 'policy.json');
writeFileSync(policyFile, JSON.stringify(policy));
const probes = Array.from({ length: PROBES }, (_, i) => ({ id: `probe-${i}`, region: REGIONS[i % 3], key: `fanout-key-${i}-${'x'.repeat(24)}`, seq: Date.now() * 1000 }));
const keyFile = join(dir, 'keys');
writeFileSync(keyFile, probes.map((p) => `${p.id}=${p.key}`).join('\n') + '\n', { mode: 0o600 });

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime, stime (fields 14, 15; here 11, 12 after the comm split) in clock ticks (100 Hz).
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function start(name, args, readyEvent) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          const j = JSON.parse(line);
          if (j.event === readyEvent) resolve(j);
        } catch {
          /* partial line */
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${buf.slice(-2000)}`)));
  });
  return { child, ready: await ready };
}

function report(p, at) {
  const observations = edges.map((e, i) => ({ probeRegion: p.region, edge: e.id, at, ok: true, connectMs: 3 + (i % 7), firstByteMs: 5 + (i % 11) }));
  return { probe: p.id, region: p.region, seq: ++p.seq, sentAt: at, observations };
}

async function drive(url) {
  const perSecond = (PROBES * 1000) / FLUSH_MS;
  const total = Math.round(perSecond * SECONDS);
  let sent = 0;
  let bytes = 0;
  let ok = 0;
  const t0 = Date.now();
  const inflight = new Set();
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = probes[n % PROBES];
    const at = Date.now();
    const body = JSON.stringify(report(p, at));
    const headers = { ...(await signReport(body, p.key, at, p.id)), 'content-type': 'application/json' };
    bytes += Buffer.byteLength(body) + Object.entries(headers).reduce((a, [k, v]) => a + k.length + v.length + 4, 0);
    sent++;
    const req = fetch(`${url}/v1/observations`, { method: 'POST', headers, body })
      .then(async (r) => {
        if (r.ok) ok++;
        await r.arrayBuffer();
      })
      .catch(() => {})
      .finally(() => inflight.delete(req));
    inflight.add(req);
  }
  await Promise.all(inflight);
  const secs = (Date.now() - t0) / 1000;
  return { sent, ok, secs, bytes };
}

const receivers = [
  { name: 'controller', args: (port) => ['controller', '--policy', policyFile, '--listen', `127.0.0.1:${port}`, '--no-state', '--key-file', keyFile], ready: 'controller_listening' },
  { name: 'dns', args: (port) => ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--http-listen', `127.0.0.1:${port}`, '--key-file', keyFile, '--state-dir', join(dir, 'dns')], ready: 'metrics_listening' },
  { name: 'worker (Node)', args: (port) => ['worker', '--policy', policyFile, '--listen', `127.0.0.1:${port}`, '--key-file', keyFile], ready: 'worker_ready' },
];

const rows = [];
try {
  for (const r of receivers) {
    const port = await freePort();
    const { child } = await start(r.name, r.args(port), r.ready);
    const url = `http://127.0.0.1:${port}`;
    await drive(url).catch(() => {}); // warm-up (JIT, first tables)
    const c0 = cpuSeconds(child.pid);
    const res = await drive(url);
    const cpu = cpuSeconds(child.pid) - c0;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rows.push({
      receiver: r.name,
      reportsPerSecond: res.ok / res.secs,
      accepted: res.ok,
      sent: res.sent,
      bytesPerSecond: res.bytes / res.secs,
      bytesPerReport: res.bytes / res.sent,
      cpuPerReportUs: (cpu / Math.max(1, res.ok)) * 1e6,
      cpuShare: cpu / res.secs,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nDirect fan-out: ${PROBES} probes × ${EDGES} edges, one report per probe every ${FLUSH_MS} ms, ${SECONDS} s per receiver (load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)\n`);
console.log('| receiver | reports/s accepted | bytes/s in | bytes/report | CPU per report | CPU share of one core | reports/s at one core |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.receiver} | ${f(r.reportsPerSecond, 1)} | ${f(r.bytesPerSecond)} | ${f(r.bytesPerReport)} | ${f(r.cpuPerReportUs)} µs | ${f(r.cpuShare * 100, 1)} % | ${f(1e6 / r.cpuPerReportUs)} |`);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/fanout.json'), JSON.stringify({ at: new Date().toISOString(), load: loadavg(), cores: cpus().length, probes: PROBES, edges: EDGES, flushMs: FLUSH_MS, seconds: SECONDS, rows }, null, 2) + '\n');
