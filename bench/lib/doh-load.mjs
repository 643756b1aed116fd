/**
 * DNS-over-HTTPS load (RFC 8484 GET over plain HTTP on loopback): wrk when
 * installed (C, so the load client costs little of the two cores), else a
 * small Node client. Both rotate through the three regions' ECS queries for
 * the steered name and stop after a fixed time.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { buildQuery } from './dns-packet.mjs';
import { REGIONS, SERVICE_NAME } from './scenario.mjs';
import { percentile } from './stats.mjs';
import { track, niceWrap } from './procs.mjs';

export function dohPaths() {
  return REGIONS.map((r) => `/dns-query?dns=${buildQuery({ id: 0, name: SERVICE_NAME, subnet: r.ecs }).toString('base64url')}`);
}

const WRK = '/usr/bin/wrk';

/** Parses wrk's "10.5us", "1.20ms", "2.00s" into ms. */
function toMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : n * 1000;
}

export function parseWrk(text) {
  const pct = (p) => { const m = text.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm')); return m ? toMs(m[1]) : NaN; };
  const num = (re) => { const m = text.match(re); return m ? Number(m[1]) : 0; };
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50Ms: pct(50),
    p99Ms: pct(99),
    avgMs: (() => { const m = text.match(/Latency\s+(\S+)/); return m ? toMs(m[1]) : NaN; })(),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
    socketErrors: (() => { const m = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/); return m ? m.slice(1).reduce((a, b) => a + Number(b), 0) : 0; })(),
  };
}

async function wrkLoad({ baseUrl, seconds, connections, dir }) {
  const script = join(dir, 'doh.lua');
  const paths = dohPaths();
  writeFileSync(script, `-- rotates the three regions' DoH GET queries\nlocal paths = { ${paths.map((p) => `"${p}"`).join(', ')} }\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i], { ["accept"] = "application/dns-message" })\nend\n`);
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '2s', '--latency', '-s', script, baseUrl];
  const text = await new Promise((resolve, reject) => {
    const child = track('wrk', spawn(...niceWrap(WRK, args), { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  return { tool: 'wrk', connections, ...parseWrk(text) };
}

async function nodeLoad({ baseUrl, seconds, connections }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(baseUrl);
  const paths = dohPaths();
  const lat = [];
  let errors = 0;
  let non2xx = 0;
  const end = Date.now() + seconds * 1000;
  const one = (path) => new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: url.hostname, port: url.port, path, agent, headers: { accept: 'application/dns-message' } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) non2xx++;
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, async (_, c) => {
    for (let i = c; Date.now() < end; i++) await one(paths[i % paths.length]);
  }));
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { tool: 'node', connections, rps: lat.length / ((Date.now() - t0) / 1000), requests: lat.length, p50Ms: percentile(lat, 0.5), p99Ms: percentile(lat, 0.99), avgMs: lat.reduce((a, b) => a + b, 0) / (lat.length || 1), non2xx, socketErrors: errors };
}

/** Runs DoH load against `baseUrl` (e.g. http://127.0.0.1:8787) for `seconds`. */
export async function dohLoad({ baseUrl, seconds, connections = 16, dir }) {
  return existsSync(WRK) ? wrkLoad({ baseUrl, seconds, connections, dir }) : nodeLoad({ baseUrl, seconds, connections });
}
