/**
 * The pieces of a small edgesteer deployment on loopback for chaos tests:
 * a policy file, probe keys, and edge servers whose faults can be switched
 * at run time (a partitioned probe region, a flapping edge, a dead edge).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';

export const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
export const EDGES = ['use1', 'euw1', 'aps1'] as const;
export const HOME: Record<string, string> = { 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' };
/** A client subnet (ECS) inside each region. */
export const CLIENT_SUBNET: Record<string, string> = { 'us-east': '10.1.7.0/24', 'eu-west': '10.2.7.0/24', 'ap-south': '10.3.7.0/24' };
export const EDGE_ADDR: Record<string, string> = { use1: '127.0.0.71', euw1: '127.0.0.72', aps1: '127.0.0.73' };

/** Probe ids are the region ids; 32-hex-digit secrets. */
export const KEYS: Record<string, string> = Object.fromEntries(REGIONS.map((r, i) => [r, `chaos-probe-key-${r}-${'0123456789abcdef'.slice(i)}${'x'.repeat(i)}`]));
/** EDGESTEER_PROBE_KEYS: `id region secret` (the probe id is its region here). */
export const KEYS_ENV = Object.entries(KEYS).map(([id, k]) => `${id} ${id} ${k}`).join(',');

/** A temp directory removed by cleanup(). */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `edgesteer-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the probe key file (mode 600, as the loaders demand). */
export function writeKeyFile(dir: string): string {
  const file = join(dir, 'probe-keys');
  writeFileSync(file, Object.entries(KEYS).map(([id, k]) => `${id} ${id} ${k}`).join('\n') + '\n', { mode: 0o600 });
  return file;
}

export interface PolicyShape {
  /** Port each edge's check uses. */
  ports: Record<string, number>;
  intervalMs?: number;
  timeoutMs?: number;
  rise?: number;
  fall?: number;
  quorum?: number;
  staleAfterMs?: number;
  /** Extra services (e.g. to change the policy on reload). */
  extraServices?: PolicyInput['services'];
}

/** The chaos policy as an operator would write it. */
export function chaosPolicyInput(s: PolicyShape): PolicyInput {
  const interval = s.intervalMs ?? 100;
  return {
    version: 1,
    owner: 'edgesteer-chaos',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16'] },
      { id: 'ap-south', aws: 'ap-southeast-1', clientCidrs: ['10.3.0.0/16'] },
    ],
    edges: EDGES.map((id) => ({
      id,
      region: REGIONS.find((r) => HOME[r] === id)!,
      ipv4: [EDGE_ADDR[id]!],
      check: {
        type: 'http' as const,
        address: EDGE_ADDR[id]!,
        port: s.ports[id] ?? 80,
        path: '/health',
        intervalMs: interval,
        timeoutMs: s.timeoutMs ?? Math.min(1000, Math.floor(interval * 0.8)),
        rise: s.rise ?? 2,
        fall: s.fall ?? 3,
      },
    })),
    services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: [...EDGES], answers: 1, ttl: 30 }, ...(s.extraServices ?? [])],
    health: { quorum: s.quorum ?? 2, staleAfterMs: s.staleAfterMs ?? 5000, rttAlpha: 0.3 },
  };
}

export function chaosPolicy(s: PolicyShape): Policy {
  return PolicySchema.parse(chaosPolicyInput(s));
}

/** Writes the policy as JSON (the loaders pick the format by extension). */
export function writePolicy(file: string, s: PolicyShape | PolicyInput): void {
  const input = 'ports' in s ? chaosPolicyInput(s) : s;
  writeFileSync(file + '.tmp', JSON.stringify(input, null, 2));
  // Rename: a watcher never sees a half-written file.
  renameSync(file + '.tmp', file);
}

/**
 * Simulated latency (ms) of an edge as seen from a probe region: 5 ms from
 * its own region, 40 ms + 25 ms per step further. Probes measure it as
 * first-byte time, which core ranks by.
 */
export function latencyMs(edge: string, region: string): number {
  const home = REGIONS.findIndex((r) => HOME[r] === edge);
  const from = REGIONS.indexOf(region as (typeof REGIONS)[number]);
  if (from < 0 || home === from) return 5;
  return 40 + 25 * Math.abs(home - from);
}

/** What an edge does with a probe's check. */
export type EdgeMode = 'ok' | 'down' | 'flap';

export interface ChaosEdges {
  ports: Record<string, number>;
  /** Per-edge behaviour. */
  mode: Record<string, EdgeMode>;
  /** Probe regions whose checks are cut off (connection reset), as in a network partition. */
  partitioned: Set<string>;
  /** Checks served, per edge and probe region. */
  hits: Record<string, Record<string, number>>;
  close(): Promise<void>;
}

/** Starts one HTTP edge per policy edge on its own loopback address. */
export async function startChaosEdges(): Promise<ChaosEdges> {
  const mode: Record<string, EdgeMode> = Object.fromEntries(EDGES.map((e) => [e, 'ok']));
  const partitioned = new Set<string>();
  const hits: Record<string, Record<string, number>> = Object.fromEntries(EDGES.map((e) => [e, {}]));
  const ports: Record<string, number> = {};
  const closers: Array<() => Promise<void>> = [];
  for (const edge of EDGES) {
    const sockets = new Set<Socket>();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const region = String(req.headers['x-edgesteer-probe-region'] ?? 'unknown');
      if (partitioned.has(region)) {
        // The probe's packets never make it: reset, as a broken path would.
        req.socket.destroy();
        return;
      }
      const n = (hits[edge]![region] = (hits[edge]![region] ?? 0) + 1);
      const m = mode[edge];
      const up = m === 'ok' || (m === 'flap' && n % 2 === 0);
      // Distance, as a probe in that region would see it: loopback alone is too close to call, and its
      // jitter under load would reorder edges and blur what a test measures.
      setTimeout(() => {
        res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain', connection: 'close' });
        res.end(up ? 'ok' : 'down');
      }, latencyMs(edge, region));
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, EDGE_ADDR[edge], () => resolve());
    });
    ports[edge] = (server.address() as AddressInfo).port;
    closers.push(
      () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
  }
  return { ports, mode, partitioned, hits, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}

import { signReport, type Observation } from '@edgesteer/core';

/** RTT (ms) from each region to each edge: home edge 5 ms, others further away. */
export function rtt(region: string, edge: string): number {
  return HOME[region] === edge ? 5 : 40 + REGIONS.indexOf(region as (typeof REGIONS)[number]) * 10 + EDGES.indexOf(edge as (typeof EDGES)[number]) * 7;
}

/** One observation of every edge from `region`; edges in `down` fail. */
export function round(region: string, at: number, down: readonly string[] = []): Observation[] {
  return EDGES.map((edge) =>
    down.includes(edge)
      ? { probeRegion: region, edge, at, ok: false, reason: 'status' as const, detail: 'HTTP 503, expected 200' }
      : { probeRegion: region, edge, at, ok: true, connectMs: rtt(region, edge), firstByteMs: rtt(region, edge) + 1 },
  );
}

let seq = Date.now();

/** Signs a report from `region` (its own probe key unless `key` is given) and POSTs it. */
export async function postReport(url: string, region: string, observations: Observation[], opts: { key?: string; probe?: string; seq?: number; at?: number } = {}): Promise<Response> {
  const report = { probe: opts.probe ?? region, region, seq: opts.seq ?? ++seq, sentAt: opts.at ?? Date.now(), observations };
  const body = JSON.stringify(report);
  const headers = await signReport(body, opts.key ?? KEYS[region] ?? 'unknown-probe-key-000000', opts.at ?? Date.now(), report.probe);
  return fetch(`${url.replace(/\/$/, '')}/v1/observations`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
}

/** Sends `rounds` rounds from every region to every URL; edges in down[region] fail. */
export async function sendRounds(urls: string[], rounds: number, down: Record<string, readonly string[]> = {}): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const at = Date.now();
    for (const region of REGIONS) {
      const obs = round(region, at, down[region] ?? []);
      for (const url of urls) {
        const res = await postReport(url, region, obs);
        if (!res.ok) throw new Error(`report to ${url} refused: ${res.status} ${await res.text()}`);
        await res.arrayBuffer().catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
