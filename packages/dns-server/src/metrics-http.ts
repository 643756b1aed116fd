/**
 * The DNS server's HTTP listener (`edgesteer dns --http-listen`, alias
 * `--metrics-listen`): `POST /v1/observations` (signed probe reports, see
 * report-intake.ts), `GET /healthz` and `GET /metrics`, the latter the
 * server's own `metrics()` snapshot rendered as Prometheus text by
 * prom-client (prom-metrics.ts), away from the DNS port. Rendering happens
 * per scrape from plain counters, so the query path pays nothing for it.
 */
// node:http and the listen helper are imported when a listener starts: a
// DNS-only process (no --metrics-listen) never loads the HTTP stack.
import type * as http from 'node:http';
import type { HttpListener } from '@edgesteer/http-kit/node';
import type { DnsMetricsSnapshot } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderDnsMetrics } from './prom-metrics.js';

export { PROMETHEUS_CONTENT_TYPE, renderDnsMetrics };

/** A running metrics listener. */
export type DnsMetricsListener = HttpListener;

/**
 * The `/healthz` document, in the plane health contract shared with the
 * Worker and the controller: `plane`, `status` (ok | unsynced | stale),
 * `table` {version, hash, generatedAt}, `policyHash`, `clientMapHash`,
 * `lastObservationAt`, plus this server's details. `ok` stays true while
 * the server answers; `status` says whether fresh data backs its answers
 * (HTTP 200 only when it is `ok`).
 */
export function dnsHealth(m: DnsMetricsSnapshot, now = Date.now()): Record<string, unknown> {
  const t = m.table;
  const pl = m.plane;
  const status = pl?.status ?? (t.stale ? 'stale' : 'ok');
  return {
    ok: true,
    plane: 'dns',
    status,
    table: {
      version: t.version,
      hash: t.hash,
      source: t.source,
      generatedAt: t.generatedAt,
      ageMs: t.ageMs,
      stale: t.stale,
      ...(t.lastSyncAt !== undefined ? { lastSyncAt: t.lastSyncAt, lastSyncAgoMs: t.lastSyncAt > 0 ? now - t.lastSyncAt : null } : {}),
    },
    policyHash: pl?.policyHash ?? null,
    clientMapHash: pl?.clientMapHash ?? m.clientMap?.hash ?? null,
    lastObservationAt: pl?.lastObservationAt ?? null,
    ...(pl
      ? {
          hold: pl.hold,
          ...(pl.freshRegions ? { sync: { freshRegions: pl.freshRegions, needed: pl.quorumNeeded } } : {}),
          ...(pl.epoch !== undefined ? { epoch: pl.epoch } : {}),
          ...(pl.reports ? { reports: pl.reports } : {}),
          ...(pl.refusedOlder !== undefined ? { tablesRefusedOlder: pl.refusedOlder } : {}),
        }
      : {}),
    processes: m.processes,
    ...(m.clientMap ? { clientMap: m.clientMap } : {}),
  };
}

/** What the HTTP listener serves besides /metrics and /healthz. */
export interface DnsHttpExtras {
  /** POST /v1/observations (a server that decides for itself). */
  intake?: { handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> } | undefined;
}

/**
 * Serves `GET /metrics` and `GET /healthz` (and HEAD) from `snapshot()` on
 * host:port (port 0 = any free port). Anything else is 404. Resolves once
 * listening.
 */
export async function startDnsMetricsListener(snapshot: () => DnsMetricsSnapshot, listen: { host: string; port: number }, extras: DnsHttpExtras = {}): Promise<DnsMetricsListener> {
  const [{ default: http }, { listenHttp }] = await Promise.all([import('node:http'), import('@edgesteer/http-kit/node')]);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/observations' && req.method === 'POST') {
      if (!extras.intake) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: { code: 'E_NOT_FOUND', message: 'this DNS server follows a controller (--controller): send reports to the controller' } }));
        return;
      }
      extras.intake.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: { code: 'E_INTERNAL', message: (err as Error).message } }));
      });
      return;
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const doc = dnsHealth(snapshot());
      const body = JSON.stringify(doc);
      res.writeHead(doc['status'] === 'ok' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape GET /metrics (health: GET /healthz, reports: POST /v1/observations)\n');
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
