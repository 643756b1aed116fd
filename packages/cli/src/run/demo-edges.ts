/**
 * Demo edges for `edgesteer run`: small HTTP servers on 127.0.0.x that
 * answer health checks after a simulated network delay, so the regions'
 * measured RTTs differ the way a real global fleet's do.
 *
 * Loopback has no geography and netem is not available here, so latency is
 * simulated in the server: each response waits `pathDelay(probe region, edge
 * region) + extra`. Probes name their region in the `x-edgesteer-probe-region`
 * header; other clients (curl) get the edge's own-region delay.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Policy } from '@edgesteer/policy';

/** Simulated round-trip times between demo regions, in ms. */
const PATH_MS: Record<string, number> = {
  'us-east|us-east': 4,
  'eu-west|eu-west': 4,
  'ap-south|ap-south': 4,
  'us-east|eu-west': 38,
  'eu-west|ap-south': 62,
  'us-east|ap-south': 95,
};

/** Simulated RTT between two regions: known pairs from the table, else 4 ms in-region / 50 ms across. */
export function pathDelayMs(from: string, to: string): number {
  return PATH_MS[`${from}|${to}`] ?? PATH_MS[`${to}|${from}`] ?? (from === to ? 4 : 50);
}

/** Runtime state of one demo edge. */
export interface DemoEdgeState {
  id: string;
  region: string;
  address: string;
  port: number;
  /** down = listener closed, connections reset: the probe sees "refused". */
  state: 'up' | 'down';
  /** Extra delay added to every response (the `slow MS` control). */
  extraMs: number;
  requests: number;
}

/** A running set of demo edges with controls. */
export interface DemoEdges {
  edges(): DemoEdgeState[];
  /** Take an edge down (connections refused), bring it up, or add delay. */
  set(id: string, action: 'up' | 'down' | 'slow', ms?: number): Promise<DemoEdgeState>;
  close(): Promise<void>;
}

interface Running {
  st: DemoEdgeState;
  server: http.Server | null;
  sockets: Set<Socket>;
}

/** Demo edges are the policy's edges whose http check targets a 127.0.0.x address. */
export function demoEdgeTargets(policy: Policy): Array<{ id: string; region: string; address: string; port: number }> {
  const out = [];
  for (const e of policy.edges) {
    const address = e.check.address ?? e.ipv4[0];
    if (e.check.type !== 'http' || !address || !address.startsWith('127.')) continue;
    out.push({ id: e.id, region: e.region, address, port: e.check.port ?? 80 });
  }
  return out;
}

function listen(r: Running): Promise<void> {
  const server = http.createServer((req, res) => {
    r.st.requests++;
    const probeRegion = req.headers['x-edgesteer-probe-region'];
    const from = typeof probeRegion === 'string' ? probeRegion : r.st.region;
    const delay = pathDelayMs(from, r.st.region) + r.st.extraMs;
    const timer = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-edgesteer-edge': r.st.id });
      res.end(`edge ${r.st.id} in ${r.st.region}: ok\n`);
    }, delay);
    res.on('close', () => clearTimeout(timer));
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s) => {
    r.sockets.add(s);
    s.on('close', () => r.sockets.delete(s));
  });
  r.server = server;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(r.st.port, r.st.address, () => {
      server.off('error', reject);
      r.st.port = (server.address() as AddressInfo).port;
      r.st.state = 'up';
      resolve();
    });
  });
}

function shut(r: Running): Promise<void> {
  const server = r.server;
  r.server = null;
  r.st.state = 'down';
  if (!server) return Promise.resolve();
  for (const s of r.sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts one HTTP server per demo edge of the policy. */
export async function startDemoEdges(policy: Policy): Promise<DemoEdges> {
  const running = new Map<string, Running>();
  try {
    for (const t of demoEdgeTargets(policy)) {
      const r: Running = { st: { ...t, state: 'down', extraMs: 0, requests: 0 }, server: null, sockets: new Set() };
      running.set(t.id, r);
      await listen(r);
    }
  } catch (err) {
    await Promise.all([...running.values()].map(shut));
    throw err;
  }
  return {
    edges: () => [...running.values()].map((r) => ({ ...r.st })),
    async set(id, action, ms) {
      const r = running.get(id);
      if (!r) throw new Error(`no demo edge '${id}' (have: ${[...running.keys()].join(', ')})`);
      if (action === 'down') await shut(r);
      else if (action === 'up') {
        r.st.extraMs = 0;
        if (!r.server) await listen(r);
      } else {
        if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new Error('slow needs a delay in ms between 0 and 60000');
        r.st.extraMs = ms;
        if (!r.server) await listen(r);
      }
      return { ...r.st };
    },
    async close() {
      await Promise.all([...running.values()].map(shut));
    },
  };
}
