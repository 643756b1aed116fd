/**
 * The controller's HTTP API as a Hono app. Everything is reachable through
 * `app.request()` in tests; server.ts serves it on Node.
 *
 * GET  /                      dashboard (HTML, live over /v1/events)
 * POST /v1/observations       signed probe report (HMAC; see report-intake.ts)
 * GET  /v1/table              routing table; ETag = hash; If-None-Match → 304;
 *                             ?wait=1 with If-None-Match holds until the hash changes
 * GET  /v1/table/stream       SSE: one `table` event per new table
 * GET  /v1/edges              per edge verdict, drain, per-region link state
 * GET  /v1/timeline           recent failovers and verdict flips
 * GET  /v1/timeline/export     durable observation log as JSON lines (timeline-routes.ts)
 * GET  /v1/policy/last-change  the last policy change and its plan (HTML: GET /whatif)
 * GET  /v1/observations       recent observations (?limit=N)
 * GET  /v1/planes             the watched data planes (--plane) and whether they agree
 * GET  /v1/state              decision state, policy and table (`explain --from`, `policy plan --controller`)
 * GET  /healthz               liveness + table/policy/report status (the plane health contract)
 * GET  /metrics               Prometheus text
 * POST /v1/reload             re-read the policy file (Bearer EDGESTEER_ADMIN_TOKEN)
 */
import type { Policy } from '@edgesteer/policy';
import { Hono, type Context } from 'hono';
import { routePath } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { RoutingTable } from '@edgesteer/core';
import { errorBody, isClientAbort, methodLabel } from '@edgesteer/http-kit';
import { checkAdmin } from './admin-auth.js';
import type { Controller } from './controller.js';
import { boundedSse, encodeSseEvent } from './bounded-sse.js';
import { DASHBOARD_CSS, DASHBOARD_JS, FAVICON_SVG } from './dashboard/assets.js';
import { DashboardHub } from './dashboard/hub.js';
import { renderDashboardPage } from './dashboard/page.js';
import { CONTROL_ERRORS } from './errors.js';
import { ifNoneMatchHash, ifNoneMatchHits, tableEtag } from './etag.js';
import { metricsHandler } from './metrics.js';
import type { ReloadResult } from './policy-watcher.js';
import type { ProbeKeys } from '@edgesteer/core';
import { ReportIntake } from './report-intake.js';
import { PlaneWatch } from './plane-watch.js';
import { edgesView, healthView } from './views.js';
import type { ObservationLog } from './observation-log.js';
import { registerTimelineRoutes } from './timeline-routes.js';

/** Default request body limit of POST /v1/observations (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default and maximum hold time of a long-poll. */
export const DEFAULT_LONG_POLL_MS = 25_000;
const MAX_LONG_POLL_MS = 60_000;

export interface ControllerAppDeps {
  controller: Controller;
  /** Key id → its region and accepted HMAC secrets. */
  keys: ProbeKeys;
  /** Bearer token for admin endpoints; unset = admin endpoints refuse (403). */
  adminToken?: string | undefined;
  /** Re-reads the policy file (admin reload). Unset = no policy file to reload. */
  reload?: (() => Promise<ReloadResult>) | undefined;
  maxBodyBytes?: number;
  longPollMs?: number;
  /** SSE keep-alive comment interval. Default 15 s. */
  heartbeatMs?: number;
  /** Accepted signer clock difference for reports. */
  signatureWindowMs?: number;
  /** Aborts every open stream and long-poll (server shutdown). */
  shutdown?: AbortSignal;
  /** Hash of the client map the planes compile from this policy (null while compiling); shown on /v1/table and /healthz. */
  clientMapHash?: ((policy: Policy) => string | null) | undefined;
  /** Data planes to watch (base URLs of DNS servers' HTTP listeners, Workers). */
  planes?: readonly string[];
  /** How often each plane's /healthz is polled. Default 1000 ms. */
  planePollMs?: number;
  /** Frames queued per stream client before it is dropped. Default 64. */
  sseMaxQueue?: number;
  /** Durable observation timeline (GET /v1/timeline/export, timeline-routes.ts). */
  observationLog?: ObservationLog | undefined;
}

/** The app plus the pieces a server needs to shut down cleanly. */
export interface ControllerApp {
  app: Hono;
  intake: ReportIntake;
  dashboard: DashboardHub;
  planes: PlaneWatch;
  /** Ends dashboard streams, stops polling planes and listening to the controller. */
  close(): void;
}

const json = (c: Context, status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });

/** Creates the controller's HTTP app (see module doc). */
export function createControllerApp(deps: ControllerAppDeps): ControllerApp {
  const { controller } = deps;
  const metrics = controller.metrics;
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const longPollMs = Math.min(deps.longPollMs ?? DEFAULT_LONG_POLL_MS, MAX_LONG_POLL_MS);
  const intake = new ReportIntake({
    controller,
    keys: deps.keys,
    metrics,
    maxBytes: maxBody,
    ...(deps.signatureWindowMs === undefined ? {} : { windowMs: deps.signatureWindowMs }),
  });
  const planes = new PlaneWatch({ controller, urls: deps.planes ?? [], ...(deps.planePollMs === undefined ? {} : { intervalMs: deps.planePollMs }) });
  const dashboard = new DashboardHub(controller, planes);
  const sseOpts = (stream: 'dashboard' | 'table') => ({
    signals: [deps.shutdown],
    ...(deps.sseMaxQueue === undefined ? {} : { maxQueue: deps.sseMaxQueue }),
    onOpen: () => metrics.streamClients.inc({ stream }),
    onClose: () => metrics.streamClients.dec({ stream }),
    onDrop: () => {
      metrics.streamDropped.inc({ stream });
      controller.log.warn({ event: 'stream_client_dropped', stream }, `dropped a ${stream} stream client that stopped reading`);
    },
  });

  // Serialise each table once, however many DNS replicas fetch it.
  const tableJson = new WeakMap<RoutingTable, string>();
  const tableText = (t: RoutingTable) => {
    let s = tableJson.get(t);
    if (s === undefined) tableJson.set(t, (s = JSON.stringify(t)));
    return s;
  };
  // One encoded `table` event per table, however many followers stream it.
  const tableEvents = new WeakMap<RoutingTable, Uint8Array>();
  const tableEvent = (t: RoutingTable) => {
    let b = tableEvents.get(t);
    if (b === undefined) tableEvents.set(t, (b = encodeSseEvent({ event: 'table', id: t.hash, data: tableText(t) })));
    return b;
  };
  const tableResponse = (t: RoutingTable, status: 200 | 304) =>
    new Response(status === 304 ? null : tableText(t), {
      status,
      headers: {
        etag: tableEtag(t.hash),
        'cache-control': 'no-cache',
        'x-edgesteer-table-version': String(t.version),
        // Followers compare versions only within one epoch (one state history).
        'x-edgesteer-epoch': controller.epoch,
        ...(deps.clientMapHash?.(controller.policy) ? { 'x-edgesteer-client-map-hash': deps.clientMapHash(controller.policy)! } : {}),
        ...(status === 200 ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      },
    });

  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.res.status === 404 && routePath(c, -1) === '*' ? 'unmatched' : routePath(c, -1);
    // Label values from closed sets only: a client picks the method string.
    const method = methodLabel(c.req.method);
    metrics.httpRequests.inc({ method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method, route }, (performance.now() - started) / 1000);
  });

  // The dashboard is same-origin only: its own script, style and event
  // stream; no framing (clickjacking), no inline script, no referrer leak.
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        // Inline style attributes only (the matrix heat colours); scripts stay strictly 'self'.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      crossOriginResourcePolicy: false,
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.get('/', (c) => c.html(renderDashboardPage(controller, dashboard.sections()), 200, { 'cache-control': 'no-store' }));
  app.get('/favicon.svg', (c) => c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' }));
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));
  app.get('/dashboard.css', (c) => c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=60' }));
  app.get('/dashboard.js', (c) => c.body(DASHBOARD_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=60' }));
  // Dashboard stream: a full view first, then only the sections that changed; a named ping lets the page notice a dead connection.
  app.get('/v1/events', (c) => boundedSse(c, (sink) => dashboard.add(sink), { ...sseOpts('dashboard'), heartbeatEvent: 'ping', heartbeatMs: Math.min(deps.heartbeatMs ?? 5000, 5000) }));

  app.post('/v1/observations', async (c) => {
    const r = await intake.submit(c.req.raw);
    if (r.ok) return json(c, 200, { ok: true, ...r.result });
    return json(c, r.status, errorBody(r.code, r.message, { reason: r.reason, ...(r.problems ? { problems: r.problems } : {}) }), r.status === 503 ? { 'retry-after': '1' } : {});
  });

  app.get('/v1/table', async (c) => {
    const inm = c.req.header('if-none-match');
    const current = controller.table;
    if (!ifNoneMatchHits(inm, current.hash)) return tableResponse(current, 200);
    const wait = c.req.query('wait');
    if (!wait || wait === '0' || wait === 'false') return tableResponse(current, 304);
    const timeoutS = Number(c.req.query('timeout'));
    const hold = Number.isFinite(timeoutS) && timeoutS > 0 ? Math.min(timeoutS * 1000, longPollMs) : longPollMs;
    const signal = anySignal([c.req.raw.signal, deps.shutdown]);
    metrics.streamClients.inc({ stream: 'longpoll' });
    try {
      const next = await controller.waitForTableChange(ifNoneMatchHash(inm) ?? current.hash, hold, signal);
      return next ? tableResponse(next, 200) : tableResponse(controller.table, 304);
    } finally {
      metrics.streamClients.dec({ stream: 'longpoll' });
    }
  });

  app.get('/v1/table/stream', (c) => {
    // A reconnecting client that already has the current table gets only newer ones.
    const lastId = c.req.header('last-event-id');
    return boundedSse(
      c,
      (sink) => {
        const send = (t: RoutingTable) => sink.send(tableEvent(t));
        if (lastId !== controller.table.hash) send(controller.table);
        return controller.onTable(send);
      },
      { ...sseOpts('table'), ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }) },
    );
  });

  registerTimelineRoutes(app, controller, deps.observationLog);
  app.get('/v1/edges', (c) => json(c, 200, edgesView(controller)));
  app.get('/v1/timeline', (c) => json(c, 200, { now: controller.clock(), events: controller.timeline.newest(limit(c.req.query('limit'), 200)) }));
  app.get('/v1/observations', (c) => json(c, 200, { now: controller.clock(), observations: controller.observations.newest(limit(c.req.query('limit'), 100)) }));
  app.get('/healthz', (c) => json(c, 200, { ...healthView(controller), clientMapHash: deps.clientMapHash?.(controller.policy) ?? null }));
  app.get('/v1/planes', (c) => json(c, 200, { now: controller.clock(), table: { version: controller.table.version, hash: controller.table.hash }, agreement: planes.agreement(), planes: planes.list, route53: planes.route53 }));
  app.get('/v1/state', (c) =>
    json(c, 200, { format: 'edgesteer-decision-state/1', plane: 'controller', now: controller.clock(), policyHash: controller.table.policyHash, table: { version: controller.table.version, hash: controller.table.hash, generatedAt: controller.table.generatedAt }, policy: controller.policy, state: controller.state }),
  );
  app.get('/metrics', metricsHandler(metrics.registry));

  app.post('/v1/reload', async (c) => {
    const auth = checkAdmin(c.req.header('authorization'), deps.adminToken);
    if (!auth.ok) return json(c, auth.status, errorBody(auth.code, auth.message), auth.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
    if (!deps.reload) return json(c, 409, errorBody(CONTROL_ERRORS.E_POLICY_INVALID, 'this controller was started without a policy file to reload'));
    const r = await deps.reload();
    // Answer with the table the new policy produced, once it is published (its state on disk).
    await controller.published();
    if (r.result === 'invalid') return json(c, 422, errorBody(CONTROL_ERRORS.E_POLICY_INVALID, 'policy file rejected; the previous policy keeps serving', { problems: r.problems }));
    return json(c, 200, { ok: true, ...r, policyHash: controller.table.policyHash, table: { version: controller.table.version, hash: controller.table.hash } });
  });

  app.notFound((c) => json(c, 404, errorBody('E_NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((err, c) => {
    // A client that went away is not a controller failure: no stack, no error line per reset.
    if (isClientAbort(err, c.req.raw.signal)) return json(c, 400, errorBody('E_CLIENT_ABORTED', 'request aborted by the client'));
    controller.log.error({ event: 'http_error', path: new URL(c.req.url).pathname, err: err.message, stack: err.stack }, 'request failed');
    return json(c, 500, errorBody('E_INTERNAL', 'internal error; see the controller log'));
  });

  return {
    app,
    intake,
    dashboard,
    planes,
    close: () => {
      planes.stop();
      dashboard.close();
    },
  };
}

function limit(q: string | undefined, dflt: number): number {
  const n = Number(q);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : dflt;
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
