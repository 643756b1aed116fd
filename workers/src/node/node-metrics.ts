/**
 * Prometheus metrics of the Worker on Node: `GET /metrics` in front of the
 * Hono app. Node only: the Cloudflare entry never imports this file (Workers
 * have no long-lived process to scrape; use Workers Analytics there).
 *
 * It wraps the app's fetch and reads what the app answered, so the app stays
 * the same on both runtimes: the DoH rcode from the response message, the
 * client region from `x-edgesteer-region`, the ingest outcome from the JSON
 * body. Labels stay bounded: rcode names, policy region ids, route patterns,
 * standard method names (else `other`) and reject reasons, never client input.
 */
import { RCODE_NAMES } from '@edgesteer/dns-wire';
import { methodLabel } from '@edgesteer/http-kit';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { workerPlaneHealth } from '../plane-health.js';
import type { WorkerApp } from '../app.js';

type Fetch = (req: Request, env?: unknown, ctx?: never) => Response | Promise<Response>;

export interface WorkerNodeMetrics {
  readonly registry: Registry;
  /** The app's fetch with GET /metrics added and every request counted. */
  wrap(fetch: Fetch): Fetch;
}

const ROUTES = ['/dns-query', '/resolve', '/v1/observations', '/v1/table', '/healthz', '/metrics'];

/** A bounded route label for a path. */
function routeOf(path: string): string {
  if (ROUTES.includes(path)) return path;
  if (path.startsWith('/steer/')) return '/steer/:service';
  return 'other';
}

/** The request path without parsing the whole URL (this runs per request). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

/** Creates the Worker's series on a new registry (one per Worker, so several can run in one process). */
export function createWorkerNodeMetrics(worker: WorkerApp, opts: { processMetrics?: boolean } = {}): WorkerNodeMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'edgesteer_' });
  const registers = [registry];
  const dohQueries = new Counter({
    name: 'edgesteer_worker_doh_queries_total',
    help: 'DoH queries answered (GET and POST /dns-query), by response rcode and client region (none when the answer did not depend on it).',
    labelNames: ['rcode', 'region'],
    registers,
  });
  const dohMalformed = new Counter({ name: 'edgesteer_worker_doh_malformed_total', help: 'DoH requests refused before a DNS answer (bad base64url, malformed message, size or content type).', registers });
  const reportsAccepted = new Counter({ name: 'edgesteer_worker_reports_accepted_total', help: 'Signed probe reports accepted.', registers });
  const observationsAccepted = new Counter({ name: 'edgesteer_worker_observations_total', help: 'Observations from accepted reports, by result (accepted, ignored).', labelNames: ['result'], registers });
  const reportsRejected = new Counter({ name: 'edgesteer_worker_reports_rejected_total', help: 'Probe reports refused, by reason (unsigned, bad_signature, replay, schema, too_large, ...).', labelNames: ['reason'], registers });
  const requests = new Counter({ name: 'edgesteer_worker_http_requests_total', help: 'HTTP requests, by method, route and status.', labelNames: ['method', 'route', 'status'], registers });
  const duration = new Histogram({
    name: 'edgesteer_worker_http_request_duration_seconds',
    help: 'Time to produce the response, by route.',
    labelNames: ['route'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2],
    registers,
  });
  new Gauge({
    name: 'edgesteer_worker_table_version',
    help: 'Version of the routing table the Worker answers from.',
    registers,
    async collect() {
      this.set((await worker.engine.view()).table.version);
    },
  });
  new Gauge({
    name: 'edgesteer_worker_table_age_seconds',
    help: 'Age of the routing table the Worker answers from.',
    registers,
    async collect() {
      this.set(Math.max(0, Date.now() - (await worker.engine.view()).table.generatedAt) / 1000);
    },
  });

  // The plane health contract, as on /healthz (and as the DNS server and the controller publish it).
  new Gauge({
    name: 'edgesteer_plane_info',
    help: 'This plane: status (ok, unsynced, stale), table and policy hashes, client map hash ("" when none).',
    labelNames: ['plane', 'status', 'table_hash', 'policy_hash', 'client_map_hash'],
    registers,
    async collect() {
      const view = await worker.engine.view();
      const h = workerPlaneHealth(view, Date.now());
      this.reset();
      this.set({ plane: 'worker', status: h.status, table_hash: view.table.hash, policy_hash: h.policyHash, client_map_hash: h.clientMapHash ?? '' }, 1);
    },
  });
  new Gauge({
    name: 'edgesteer_plane_synced',
    help: '1 when fresh data from quorum regions backs the table.',
    labelNames: ['plane'],
    registers,
    async collect() {
      this.set({ plane: 'worker' }, workerPlaneHealth(await worker.engine.view(), Date.now()).status === 'ok' ? 1 : 0);
    },
  });

  const record = async (path: string, res: Response): Promise<Response> => {
    if (path === '/dns-query') {
      if (res.status !== 200) {
        dohMalformed.inc();
        return res;
      }
      // The body is one small DNS message: read it, count its rcode, hand the same bytes on.
      const bytes = new Uint8Array(await res.arrayBuffer());
      const rcode = bytes.length >= 4 ? (RCODE_NAMES[bytes[3]! & 0x0f] ?? `RCODE${bytes[3]! & 0x0f}`) : 'unknown';
      dohQueries.inc({ rcode, region: res.headers.get('x-edgesteer-region') ?? 'none' });
      return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    if (path === '/v1/observations') {
      const text = await res.text();
      try {
        const body = JSON.parse(text) as { ok?: boolean; accepted?: number; ignored?: number; error?: { reason?: string } };
        if (res.status === 200 && body.ok) {
          reportsAccepted.inc();
          observationsAccepted.inc({ result: 'accepted' }, body.accepted ?? 0);
          observationsAccepted.inc({ result: 'ignored' }, body.ignored ?? 0);
        } else if (res.status !== 405) {
          reportsRejected.inc({ reason: body.error?.reason ?? `http_${res.status}` });
        }
      } catch {
        reportsRejected.inc({ reason: `http_${res.status}` });
      }
      return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  };

  return {
    registry,
    wrap(fetch) {
      return async (req, env, ctx) => {
        const path = pathOf(req.url);
        if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
          const text = await registry.metrics();
          requests.inc({ method: methodLabel(req.method), route: '/metrics', status: '200' });
          return new Response(req.method === 'HEAD' ? null : text, { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
        }
        const t0 = performance.now();
        const route = routeOf(path);
        const res = await record(path, await fetch(req, env, ctx));
        duration.observe({ route }, (performance.now() - t0) / 1000);
        // A client picks the method (HTTP/2 `:method` is any token): label it from a closed set.
        requests.inc({ method: methodLabel(req.method), route, status: String(res.status) });
        return res;
      };
    },
  };
}
