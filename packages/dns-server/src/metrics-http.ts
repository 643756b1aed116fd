/**
 * `GET /metrics` for the DNS server (`edgesteer dns --metrics-listen`): the
 * server's own `metrics()` snapshot rendered as Prometheus text by
 * prom-client (prom-metrics.ts) on a small HTTP listener of its own, away
 * from the DNS port. Rendering happens per scrape from plain counters, so the
 * query path pays nothing for it.
 */
// node:http and the listen helper are imported when a listener starts: a
// DNS-only process (no --metrics-listen) never loads the HTTP stack.
import type { HttpListener } from '@edgesteer/http-kit/node';
import type { DnsMetricsSnapshot } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderDnsMetrics } from './prom-metrics.js';

export { PROMETHEUS_CONTENT_TYPE, renderDnsMetrics };

/** A running metrics listener. */
export type DnsMetricsListener = HttpListener;

/**
 * The `/healthz` document: the server answers (ok) and how stale its table
 * is. A DNS server that lost its controller keeps answering from the last
 * good table, so it stays `ok: true` and says `status: "stale"` with how long
 * ago it last heard from the controller.
 */
export function dnsHealth(m: DnsMetricsSnapshot, now = Date.now()): Record<string, unknown> {
  const t = m.table;
  return {
    ok: true,
    status: t.stale ? 'stale' : 'ok',
    table: {
      version: t.version,
      hash: t.hash,
      source: t.source,
      generatedAt: t.generatedAt,
      ageMs: t.ageMs,
      stale: t.stale,
      ...(t.lastSyncAt !== undefined ? { lastSyncAt: t.lastSyncAt, lastSyncAgoMs: t.lastSyncAt > 0 ? now - t.lastSyncAt : null } : {}),
    },
    processes: m.processes,
  };
}

/**
 * Serves `GET /metrics` and `GET /healthz` (and HEAD) from `snapshot()` on
 * host:port (port 0 = any free port). Anything else is 404. Resolves once
 * listening.
 */
export async function startDnsMetricsListener(snapshot: () => DnsMetricsSnapshot, listen: { host: string; port: number }): Promise<DnsMetricsListener> {
  const [{ default: http }, { listenHttp }] = await Promise.all([import('node:http'), import('@edgesteer/http-kit/node')]);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(dnsHealth(snapshot()));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape GET /metrics (health: GET /healthz)\n');
      return;
    }
    renderDnsMetrics(snapshot()).then(
      (body) => {
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`E_DNS_METRICS: ${(err as Error).message}\n`);
      },
    );
  });
  return listenHttp(server, listen, '/metrics');
}
