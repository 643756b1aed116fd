/**
 * Runs dnsperf against one server and reads its numbers. Two modes:
 * - max: as fast as the server answers (qps, average latency, lost);
 * - fixed load (-Q) with -v: every response's latency, so p50/p99 are exact
 *   (dnsperf 2.10 has no latency histogram option).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openSync, closeSync, createReadStream, rmSync } from 'node:fs';
import { percentile } from './stats.mjs';
import { track, niceWrap } from './procs.mjs';

/** Load shape shared by every system so qps are comparable. */
export const DNSPERF_LOAD = { clients: 8, outstanding: 100, timeoutS: 2 };

function baseArgs(file, port, seconds) {
  return [
    '-B', '-d', file, '-s', '127.0.0.1', '-p', String(port), '-l', String(seconds),
    '-c', String(DNSPERF_LOAD.clients), '-q', String(DNSPERF_LOAD.outstanding), '-t', String(DNSPERF_LOAD.timeoutS),
  ];
}

/** Parses dnsperf's final statistics block. */
export function parseSummary(text) {
  const num = (re) => { const m = text.match(re); return m ? Number(m[1]) : NaN; };
  const rcodes = {};
  const rc = text.match(/Response codes:\s+(.*)/);
  if (rc) for (const m of rc[1].matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]] = Number(m[2]);
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    runTimeS: num(/Run time \(s\):\s+([\d.]+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxLatencyMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
    stddevLatencyMs: num(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
    rcodes,
  };
}

/**
 * Runs dnsperf with stdout going to a file, not a pipe: with -v it writes a
 * line per response, and reading 100k lines/s through a pipe would cost the
 * bench process CPU on the same two cores the servers use. The file is read
 * after dnsperf exits.
 */
async function run(args, outFile, onLine) {
  const fd = openSync(outFile, 'w');
  let err = '';
  const code = await new Promise((resolve, reject) => {
    const child = track('dnsperf', spawn(...niceWrap('dnsperf', args), { stdio: ['ignore', fd, 'pipe'], detached: true }));
    child.stderr.on('data', (d) => { if (err.length < 4000) err += d; });
    child.on('error', (e) => reject(new Error(`E_BENCH_DNSPERF: cannot run dnsperf (${e.message}); run scripts/install-bench-peers.sh`)));
    child.on('close', resolve);
  }).finally(() => closeSync(fd));
  let text = '';
  const rl = createInterface({ input: createReadStream(outFile) });
  for await (const line of rl) {
    if (line.startsWith('> ')) { if (onLine) onLine(line); continue; }
    text += line + '\n';
  }
  rmSync(outFile, { force: true });
  if (code !== 0 || !/Queries sent/.test(text)) throw new Error(`E_BENCH_DNSPERF: dnsperf exited ${code}: ${err.trim() || text.slice(-500)}`);
  return text;
}

/** Maximum throughput run. */
export async function dnsperfMax({ file, port, seconds }) {
  return parseSummary(await run(baseArgs(file, port, seconds), file + '.out'));
}

/** Fixed-load run with per-response latency: summary + p50/p99/p999 in ms. */
export async function dnsperfAtRate({ file, port, seconds, qps }) {
  const lat = [];
  let timeouts = 0;
  const text = await run([...baseArgs(file, port, seconds), '-Q', String(Math.max(1, Math.round(qps))), '-v'], file + '.out', (line) => {
    // "> NOERROR binary input 0.000123" or "> T binary input"
    const parts = line.split(' ');
    const v = Number(parts[parts.length - 1]);
    if (parts[1] === 'T' || !Number.isFinite(v)) { timeouts++; return; }
    lat.push(v * 1000);
  });
  const s = parseSummary(text);
  lat.sort((a, b) => a - b);
  return {
    ...s,
    targetQps: Math.round(qps),
    p50Ms: percentile(lat, 0.5),
    p99Ms: percentile(lat, 0.99),
    p999Ms: percentile(lat, 0.999),
    samples: lat.length,
    timeouts,
  };
}

/** ECS option for dnsperf -E (code 8, family 1, source /24, scope 0, 3 address bytes) for an IPv4 /24 like 10.2.3.0/24. */
export function ecsOptionHex(cidr) {
  const [addr, len] = cidr.split('/');
  const bytes = addr.split('.').slice(0, Math.ceil(Number(len) / 8)).map((x) => Number(x).toString(16).padStart(2, '0')).join('');
  return `8:0001${Number(len).toString(16).padStart(2, '0')}00${bytes}`;
}

/**
 * "Standalone" run: plain dnsperf as a peer's own documentation would run it
 * (text query file, one ECS for the whole run with -E, dnsperf's default
 * outstanding queries and timeout), same client count and duration.
 */
export async function dnsperfPlain({ textFile, port, seconds, ecs }) {
  const args = ['-d', textFile, '-s', '127.0.0.1', '-p', String(port), '-l', String(seconds), '-c', String(DNSPERF_LOAD.clients), '-E', ecsOptionHex(ecs)];
  return { ...parseSummary(await run(args, textFile + '.out')), args: ['dnsperf', ...args].join(' ') };
}
