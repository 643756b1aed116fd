#!/usr/bin/env node
/**
 * `npm run bench:dns`: edgesteer's authoritative DNS server under dnsperf,
 * single process and --workers 2, against a plain dns2 server answering the
 * same names (the baseline).
 *
 * Query mix (dnsperf binary input, -B, so each query carries its own ECS):
 * per 20 queries, 12 steered (cdn.example.com A/AAAA; ECS of the three
 * regions in rotation, every fourth without ECS so the source address
 * decides), 5 static (SOA, NS, ns1 A), 3 NXDOMAIN (distinct names).
 *
 * Per server and trial: a max-throughput run (qps, average latency, lost),
 * then a fixed-rate run at 50% of that max with -v (every response's latency:
 * p50/p99). Servers are interleaved across trials; medians are reported.
 *
 *   npm run bench:dns
 *   node bench/dns/run.mjs --seconds 5 --trials 2 --only edgesteer-1,dns2 --profile --json
 *
 * Traffic stays on 127.0.0.1; every process started is stopped at the end
 * (also on Ctrl-C).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encodeQuery, ecsFromCidr, TYPE } from '@edgesteer/dns-wire';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const POLICY = fileURLToPath(new URL('./policy.yaml', import.meta.url));
const DNS2 = fileURLToPath(new URL('./dns2-baseline.mjs', import.meta.url));
const TARGET_QPS = 80_000;

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const SECONDS = Number(opt('seconds', 6));
const TRIALS = Number(opt('trials', 3));
const ONLY = opt('only', 'edgesteer-1,edgesteer-2,dns2').split(',');
const PROFILE = args.includes('--profile');
const JSON_OUT = args.includes('--json');
/** dnsperf load shape, the same for every server: client sockets, threads, queries outstanding. */
const LOAD = { clients: Number(opt('clients', 8)), threads: Number(opt('threads', 1)), outstanding: Number(opt('outstanding', 200)) };
const log = (s) => process.stderr.write(s + '\n');

const tmp = mkdtempSync(join(tmpdir(), 'edgesteer-bench-dns-'));
const children = new Set();
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

// ---- query file -----------------------------------------------------------

const SUBNETS = ['10.1.7.0/24', '10.2.3.0/24', '10.3.9.0/24'];

function queryList(count) {
  const out = [];
  const statics = [
    ['example.com', TYPE.SOA],
    ['example.com', TYPE.NS],
    ['ns1.example.com', TYPE.A],
    ['example.com', TYPE.SOA],
    ['ns1.example.com', TYPE.A],
  ];
  let nx = 0;
  for (let i = 0; out.length < count; i++) {
    const slot = i % 20;
    const subnet = i % 4 === 3 ? undefined : SUBNETS[i % 3];
    if (slot < 12) out.push({ name: 'cdn.example.com', type: slot % 3 === 2 ? TYPE.AAAA : TYPE.A, subnet, kind: 'steered' });
    else if (slot < 17) out.push({ name: statics[slot - 12][0], type: statics[slot - 12][1], subnet, kind: 'static' });
    else out.push({ name: `nx-${(nx++).toString(36)}.example.com`, type: TYPE.A, subnet, kind: 'nxdomain' });
  }
  return out;
}

function writeQueryFile(path, count = 6000) {
  const chunks = [];
  for (const q of queryList(count)) {
    const pkt = encodeQuery({ id: 0, name: q.name, type: q.type, edns: { udpSize: 1232, ...(q.subnet ? { ecs: ecsFromCidr(q.subnet) } : {}) } });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(pkt.length);
    chunks.push(len, Buffer.from(pkt));
  }
  writeFileSync(path, Buffer.concat(chunks));
}

// ---- servers ----------------------------------------------------------------

/** Starts a server; resolves { port, pids, stop } once it is ready. */
function startServer(kind, extraNodeArgs = []) {
  const node = process.execPath;
  const cmd =
    kind === 'dns2'
      ? [node, [...extraNodeArgs, DNS2]]
      : [node, [...extraNodeArgs, CLI, 'dns', '--policy', POLICY, '--listen', '127.0.0.1:0', '--workers', kind === 'edgesteer-2' ? '2' : '1']];
  const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`E_BENCH_START: ${kind} did not get ready in 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`E_BENCH_START: ${kind} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let j;
      try {
        j = JSON.parse(line);
      } catch {
        return;
      }
      const port = kind === 'dns2' ? j.port : j.msg === 'dns server ready' ? j.port : undefined;
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({
        port,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}

/** CPU time (user+system, in clock ticks) of a process and its children (cluster workers). */
function cpuTicks(pid) {
  let total = 0;
  const pids = [pid];
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) pids.push(Number(d));
      } catch {}
    }
    for (const p of pids) {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      total += Number(f[11]) + Number(f[12]);
    }
  } catch {}
  return total;
}

// ---- dnsperf ------------------------------------------------------------------

async function dnsperf(port, file, seconds, extra = []) {
  const out = join(tmp, `dnsperf-${Date.now()}.out`);
  const fd = openSync(out, 'w');
  const a = ['-B', '-d', file, '-s', '127.0.0.1', '-p', String(port), '-l', String(seconds), '-c', String(LOAD.clients), '-T', String(LOAD.threads), '-q', String(LOAD.outstanding), '-t', '2', ...extra];
  const code = await new Promise((resolve, reject) => {
    const c = spawn('dnsperf', a, { stdio: ['ignore', fd, 'pipe'] });
    children.add(c);
    c.on('error', (e) => reject(new Error(`E_BENCH_DNSPERF: cannot run dnsperf (${e.message}); install it: apt-get install dnsperf`)));
    c.on('close', resolve);
  }).finally(() => closeSync(fd));
  const latencies = [];
  let text = '';
  for await (const line of createInterface({ input: createReadStream(out) })) {
    if (line.startsWith('> ')) {
      const ms = Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000;
      if (Number.isFinite(ms)) latencies.push(ms);
    } else text += line + '\n';
  }
  rmSync(out, { force: true });
  if (code !== 0) throw new Error(`E_BENCH_DNSPERF: dnsperf exited with ${code}:\n${text.slice(-2000)}`);
  const num = (re) => Number(text.match(re)?.[1] ?? NaN);
  latencies.sort((x, y) => x - y);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    rcodes: text.match(/Response codes:\s+(.*)/)?.[1] ?? '',
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

// ---- profile ------------------------------------------------------------------

async function profile(file) {
  const dir = join(tmp, 'prof');
  const s = await startServer('edgesteer-1', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  await dnsperf(s.port, file, 1);
  const r = await dnsperf(s.port, file, SECONDS);
  // SIGINT lets the CLI shut down cleanly, which writes the profile.
  await new Promise((done) => {
    const c = [...children].find((x) => x.pid === s.pid);
    c.once('exit', done);
    c.kill('SIGINT');
  });
  const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = p.timeDeltas[i] ?? 0;
    if (n.callFrame.functionName === '(idle)') return;
    busy += dt;
    const url = n.callFrame.url.replace(`file://${ROOT}`, '');
    const k = `${n.callFrame.functionName || '(anonymous)'} (${url || 'native'}${url ? ':' + (n.callFrame.lineNumber + 1) : ''})`;
    self.set(k, (self.get(k) ?? 0) + dt);
  });
  return { qps: r.qps, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([fn, us]) => ({ fn, share: us / busy })) };
}

// ---- main ---------------------------------------------------------------------

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');

async function main() {
  const file = join(tmp, 'queries.bin');
  writeQueryFile(file);
  const loadStart = loadavg();
  log(`bench:dns: ${TRIALS} trial(s) × ${ONLY.join(', ')}, ${SECONDS} s each; dnsperf -c ${LOAD.clients} -T ${LOAD.threads} -q ${LOAD.outstanding}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  const results = Object.fromEntries(ONLY.map((k) => [k, []]));
  for (let t = 1; t <= TRIALS; t++) {
    for (const kind of ONLY) {
      const s = await startServer(kind);
      try {
        await dnsperf(s.port, file, 1); // warm-up (JIT, caches)
        const c0 = cpuTicks(s.pid);
        const max = await dnsperf(s.port, file, SECONDS);
        const cores = (cpuTicks(s.pid) - c0) / 100 / SECONDS;
        const rate = Math.max(1000, Math.round(max.qps / 2));
        const fixed = await dnsperf(s.port, file, Math.min(3, SECONDS), ['-Q', String(rate), '-v']);
        results[kind].push({ ...max, cores, fixedRate: rate, fixedQps: fixed.qps, fixedLost: fixed.lost, p50: fixed.p50, p99: fixed.p99 });
        log(`  trial ${t} ${kind.padEnd(12)} ${fmt(max.qps).padStart(8)} qps, lost ${max.lost}, avg ${fmt(max.avgMs, 3)} ms; at ${fmt(rate)} qps p50 ${fmt(fixed.p50, 3)} ms p99 ${fmt(fixed.p99, 3)} ms; server ${fmt(cores, 2)} cores`);
      } finally {
        await s.stop();
      }
    }
  }
  const rows = ONLY.map((kind) => {
    const r = results[kind];
    return {
      kind,
      qps: median(r.map((x) => x.qps)),
      best: Math.max(...r.map((x) => x.qps)),
      lost: r.reduce((a, x) => a + x.lost + x.fixedLost, 0),
      sent: r.reduce((a, x) => a + x.sent, 0),
      avgMs: median(r.map((x) => x.avgMs)),
      p50: median(r.map((x) => x.p50)),
      p99: median(r.map((x) => x.p99)),
      fixedRate: median(r.map((x) => x.fixedRate)),
      cores: median(r.map((x) => x.cores)),
      trials: r,
    };
  });
  const baseline = rows.find((r) => r.kind === 'dns2');
  const label = { 'edgesteer-1': 'edgesteer dns (1 process)', 'edgesteer-2': 'edgesteer dns --workers 2', dns2: 'plain dns2 (baseline)' };
  const lines = [
    `| server | qps (median) | best | × dns2 | lost | avg latency at max | p50 / p99 at 50% of max | server CPU |`,
    `|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${label[r.kind]} | ${fmt(r.qps)} | ${fmt(r.best)} | ${baseline ? fmt(r.qps / baseline.qps, 1) + '×' : 'n/a'} | ${r.lost} | ${fmt(r.avgMs, 3)} ms | ${fmt(r.p50, 3)} / ${fmt(r.p99, 3)} ms @ ${fmt(r.fixedRate)} qps | ${fmt(r.cores, 2)} cores |`,
    ),
  ];
  const ours = rows.filter((r) => r.kind.startsWith('edgesteer'));
  const bestOurs = ours.sort((a, b) => b.qps - a.qps)[0];
  const loadEnd = loadavg();
  let prof;
  if (PROFILE) {
    log('profiling edgesteer dns (1 process) under full load...');
    prof = await profile(file);
  }
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify({ load: LOAD, seconds: SECONDS, trials: TRIALS, cpus: cpus().length, loadavg: { start: loadStart, end: loadEnd }, rows, profile: prof }, null, 2) + '\n');
  } else {
    console.log(`\nedgesteer bench:dns — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadStart[0].toFixed(2)} at start, ${loadEnd[0].toFixed(2)} at end (dnsperf and the server share these cores)\n`);
    console.log(lines.join('\n'));
    if (bestOurs) {
      const ok = bestOurs.qps >= TARGET_QPS && bestOurs.lost === 0;
      console.log(`\ntarget ≥ ${fmt(TARGET_QPS)} qps with no lost queries: ${ok ? 'PASS' : 'MISS'} (${label[bestOurs.kind]}: ${fmt(bestOurs.qps)} qps median, ${bestOurs.lost} lost)`);
      if (loadStart[0] > cpus().length * 0.5) console.log(`note: the machine was busy (load ${loadStart[0].toFixed(2)} on ${cpus().length} cores); numbers are low and noisy — rerun on a quiet machine`);
    }
    if (prof) {
      console.log(`\nCPU profile of edgesteer dns (1 process) at ${fmt(prof.qps)} qps — self time, share of non-idle samples:`);
      for (const t of prof.top) console.log(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`);
    }
  }
}

try {
  await main();
} catch (err) {
  log(`bench:dns failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
