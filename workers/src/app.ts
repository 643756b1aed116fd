/**
 * The Worker as one Hono app on Web-standard APIs only; cloudflare.ts runs
 * it on workerd and node/start.ts on Node. Everything is reachable through
 * `app.request()` in tests.
 *
 * GET  /dns-query?dns=...       DoH, RFC 8484 (base64url, no padding)
 * POST /dns-query               DoH, application/dns-message body (≤ 65,535 bytes)
 * GET  /resolve?name=&type=     JSON form (Status, TC, RD, RA, AD, CD, Question, Answer, Authority);
 *                               edns_client_subnet=, cd=, do=
 * GET  /steer/:service[/path]   302 to the best edge for the caller, path and query kept;
 *                               ?format=json: the decision and its reasons
 * POST /v1/observations         signed probe report (the controller's contract)
 * GET  /v1/table                the routing table the Worker answers from
 * GET  /healthz                 table version, hash and age; policy and state status
 */
import { Hono, type Context } from 'hono';
import { compileClientMap, tableForPolicy, type ClientMap, type RoutingTable } from '@edgesteer/core';
import { workerPlaneHealth } from './plane-health.js';
import { buildAnswerPlane, type AnswerPlane } from '@edgesteer/dns-wire';
import { isClientAbort, readBodyLimited } from '@edgesteer/http-kit';
import { parseCidr, type Policy } from '@edgesteer/policy/neutral';
import { decodeBase64Url } from './base64url.js';
import type { CfLocation } from './client-region.js';
import { answerDoh, type DohClient } from './doh.js';
import { WorkerEngine, type EngineOptions } from './engine.js';
import { errorBody, statusOf, WorkerError, type WorkerErrorCode } from './errors.js';
import { consoleJsonLogger, type WorkerLogger } from './log.js';
import type { PolicySource } from './policy-source.js';
import type { ProbeKeys } from '@edgesteer/core';
import { parseResolveQuery, resolveJson, resolveQueryMessage } from './resolve-json.js';
import type { StateStore } from './state-store.js';
import { steer, type SteerRequest } from './steer.js';

/** Largest DNS message (RFC 8484 §6 via RFC 1035's 16-bit TCP length). */
export const MAX_DNS_MESSAGE_BYTES = 65_535;
/** Default body limit of POST /v1/observations (1 MiB, the controller's). */
export const DEFAULT_MAX_REPORT_BYTES = 1024 * 1024;

export interface WorkerAppDeps {
  store: StateStore;
  policy: PolicySource;
  keys: ProbeKeys;
  /** Injected clock (epoch ms); default Date.now. */
  clock?: () => number;
  /** The connecting client's address: socket peer on Node, CF-Connecting-IP on Cloudflare. */
  clientAddress: (c: Context) => string | undefined;
  /** request.cf location (Cloudflare only). */
  cfLocation?: (c: Context) => CfLocation | undefined;
  /**
   * The compiled client map for a policy (the same map the DNS server
   * answers from). Default: the policy-only map (clientCidrs and the
   * default region). Called per request: return a kept map.
   */
  clientMap?: (policy: Policy) => ClientMap;
  log?: WorkerLogger;
  maxReportBytes?: number;
  /** Engine tuning: windowMs, refreshMs, cacheMs, maxAttempts. */
  engine?: Pick<EngineOptions, 'windowMs' | 'refreshMs' | 'cacheMs' | 'maxAttempts'>;
}

/** The app and its engine (the Node runner and tests read state through it). */
export interface WorkerApp {
  app: Hono;
  engine: WorkerEngine;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });

const fail = (status: number, code: WorkerErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  json(errorBody(code, message, extra), status, headers);

/** Creates the Worker app (see module doc). */
export function createWorkerApp(deps: WorkerAppDeps): WorkerApp {
  const clock = deps.clock ?? Date.now;
  const log = deps.log ?? consoleJsonLogger();
  const maxReport = deps.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES;
  const engine = new WorkerEngine({ store: deps.store, policy: deps.policy, keys: deps.keys, clock, log, maxReportBytes: maxReport, ...deps.engine });

  const policyMaps = new WeakMap<Policy, ClientMap>();
  const mapFor =
    deps.clientMap ??
    ((policy: Policy): ClientMap => {
      let m = policyMaps.get(policy);
      if (!m) {
        m = compileClientMap(policy);
        policyMaps.set(policy, m);
      }
      return m;
    });

  // The answer plane is rebuilt only when the policy, the table or the client map changes.
  let plane: { policy: Policy; table: RoutingTable; map: ClientMap; plane: AnswerPlane } | undefined;
  const planeFor = (policy: Policy, table: RoutingTable): { plane: AnswerPlane; map: ClientMap } => {
    const map = mapFor(policy);
    if (!plane || plane.policy !== policy || plane.map !== map || plane.table.hash !== table.hash || plane.table.version !== table.version) {
      const built = buildAnswerPlane(policy, table, { matcher: map, assumeUp: (at) => tableForPolicy(policy, at) });
      for (const w of built.warnings) log.warn({ event: 'plane_warning', version: table.version, detail: w }, w);
      plane = { policy, table, map, plane: built };
    }
    return plane;
  };

  const client = (c: Context): DohClient => ({ address: deps.clientAddress(c), cf: deps.cfLocation?.(c) });

  const doh = async (c: Context, query: Uint8Array): Promise<Response> => {
    const view = await engine.view();
    const p = planeFor(view.loaded.policy, view.table);
    const r = answerDoh(p.plane, p.map, query, client(c));
    if (!r.ok) return fail(400, 'E_DOH_MALFORMED', r.message);
    return new Response(r.bytes, {
      status: 200,
      headers: {
        'content-type': 'application/dns-message',
        'content-length': String(r.bytes.length),
        'cache-control': r.cacheControl,
        'x-edgesteer-table-version': String(view.table.version),
        ...(r.region ? { 'x-edgesteer-region': r.region } : {}),
      },
    });
  };

  const app = new Hono();

  app.get('/dns-query', async (c) => {
    const dns = c.req.query('dns');
    if (dns === undefined || dns === '') return fail(400, 'E_DOH_MISSING_PARAM', 'GET /dns-query needs ?dns=<base64url DNS query> (RFC 8484 §4.1), or POST an application/dns-message body');
    // base64url of 65,535 bytes is 87,380 characters: anything longer cannot be a DNS message.
    if (dns.length > Math.ceil((MAX_DNS_MESSAGE_BYTES * 4) / 3) + 2) {
      return fail(414, 'E_BODY_TOO_LARGE', `dns= is ${dns.length} characters; a DNS message is at most ${MAX_DNS_MESSAGE_BYTES} bytes`);
    }
    const query = decodeBase64Url(dns);
    if (!query) return fail(400, 'E_DOH_BAD_BASE64URL', 'dns= is not base64url (RFC 4648 §5: A-Z a-z 0-9 - _, no padding needed)');
    return doh(c, query);
  });

  app.post('/dns-query', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/dns-message') {
      return fail(415, 'E_DOH_CONTENT_TYPE', `POST /dns-query needs Content-Type: application/dns-message (got "${type.slice(0, 64) || 'none'}")`, {}, { accept: 'application/dns-message' });
    }
    const body = await readBodyLimited(c.req.raw, MAX_DNS_MESSAGE_BYTES);
    if (!body.ok) return fail(413, 'E_BODY_TOO_LARGE', `body is over ${MAX_DNS_MESSAGE_BYTES} bytes, the largest DNS message`);
    return doh(c, body.bytes);
  });

  app.get('/resolve', async (c) => {
    const q = parseResolveQuery(new URL(c.req.url).searchParams);
    const view = await engine.view();
    const p = planeFor(view.loaded.policy, view.table);
    const r = answerDoh(p.plane, p.map, resolveQueryMessage(q), client(c));
    if (!r.ok) return fail(400, 'E_RESOLVE_BAD_NAME', r.message);
    const accept = c.req.header('accept') ?? '';
    return json(resolveJson(r.bytes), 200, {
      'content-type': accept.includes('application/dns-json') ? 'application/dns-json' : 'application/json; charset=utf-8',
      'cache-control': r.cacheControl,
      'x-edgesteer-table-version': String(view.table.version),
    });
  });

  const steerRoute = async (c: Context): Promise<Response> => {
    const url = new URL(c.req.url);
    // The raw (still percent-encoded) path segment: decoded once here, so
    // "%25zz" is the service "%zz" (unknown → 404), never a second decode.
    const rawService = /^\/steer\/([^/]*)/.exec(url.pathname)?.[1] ?? '';
    let service: string;
    try {
      service = decodeURIComponent(rawService);
    } catch {
      return fail(404, 'E_STEER_UNKNOWN_SERVICE', `service "${rawService.slice(0, 64)}" is not valid percent-encoding`);
    }
    // Everything after /steer/<service> is the path on the edge.
    const rest = url.pathname.slice(`/steer/${rawService}`.length);
    const params = new URLSearchParams(url.search);
    const format = params.get('format');
    const subnetText = params.get('edns_client_subnet');
    params.delete('format');
    params.delete('edns_client_subnet');
    let subnet;
    if (subnetText) {
      const t = subnetText.includes('/') ? subnetText : `${subnetText}/${subnetText.includes(':') ? 128 : 32}`;
      subnet = parseCidr(t) ?? undefined;
      if (!subnet) return fail(400, 'E_BAD_SUBNET', `edns_client_subnet "${subnetText.slice(0, 64)}" is not an address or CIDR like 10.2.3.0/24`);
    }
    const view = await engine.view();
    const req: SteerRequest = {
      service,
      path: rest || '/',
      search: params,
      evidence: { address: deps.clientAddress(c), cf: deps.cfLocation?.(c), ...(subnet ? { subnet, subnetText: subnetText! } : {}) },
    };
    const d = steer(view, mapFor(view.loaded.policy), req);
    if (format === 'json') return json(d, 200, { 'cache-control': 'private, no-store' });
    if (!d.location) return fail(503, 'E_STEER_NO_EDGE', d.reasons.join('; '));
    return new Response(null, {
      status: 302,
      headers: { location: d.location, 'cache-control': `private, max-age=${d.ttl}`, 'x-edgesteer-edge': d.edge ?? '', 'x-edgesteer-region': d.region },
    });
  };
  app.get('/steer/:service', steerRoute);
  app.get('/steer/:service/*', steerRoute);

  app.post('/v1/observations', async (c) => {
    const r = await engine.ingestReport(c.req.raw);
    if (!r.ok) return fail(r.status, r.code, r.message, { reason: r.reason, ...(r.problems ? { problems: r.problems } : {}) }, r.status === 503 ? { 'retry-after': '1' } : {});
    return json({ ok: true, accepted: r.accepted, ignored: r.ignored, table: r.table });
  });

  app.get('/v1/table', async () => {
    const view = await engine.view();
    const map = mapFor(view.loaded.policy);
    return json(view.table, 200, { 'cache-control': 'no-cache', etag: `"${view.table.hash}"`, 'x-edgesteer-table-version': String(view.table.version), 'x-edgesteer-client-map-hash': map.hash });
  });

  app.get('/healthz', async () => {
    const view = await engine.view();
    const now = clock();
    const t = view.table;
    const s = view.snapshot;
    const policyError = engine.policyError();
    // The plane health contract (shared with the DNS server and the controller).
    const map = mapFor(view.loaded.policy);
    const { sync, ...plane } = workerPlaneHealth(view, now, map.hash);
    return json({
      ok: true,
      ...plane,
      ...(sync ? { sync: { freshRegions: sync.freshRegions, needed: sync.needed } } : {}),
      clientMap: { hash: map.hash, source: map.source, v4Ranges: map.stats.v4Ranges, v6Ranges: map.stats.v6Ranges, bytes: map.stats.bytes },
      table: { version: t.version, hash: t.hash, policyHash: t.policyHash, generatedAt: t.generatedAt, ageMs: Math.max(0, now - t.generatedAt), assumeUp: s === null },
      policy: { source: view.loaded.source, loadedAt: view.loaded.loadedAt, ...(policyError ? { lastError: policyError } : {}) },
      state: {
        store: engine.storeKind,
        rev: s?.rev ?? 0,
        reports: s?.stats.reports ?? 0,
        observations: s?.stats.observations ?? 0,
        lastReportAt: s?.stats.lastReportAt ?? null,
        // How stale the measurements behind the table are: with no probe reporting, this grows.
        lastReportAgoMs: s?.stats.lastReportAt ? Math.max(0, now - s.stats.lastReportAt) : null,
        reportsRejected: { ...engine.rejected },
      },
    });
  });

  for (const [path, allow] of [
    ['/dns-query', 'GET, POST'],
    ['/resolve', 'GET'],
    ['/steer/*', 'GET'],
    ['/v1/observations', 'POST'],
    ['/v1/table', 'GET'],
    ['/healthz', 'GET'],
  ] as const) {
    app.all(path, (c) => fail(405, 'E_METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path}; use ${allow}`, {}, { allow }));
  }

  app.notFound((c) => fail(404, 'E_NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    if (isClientAbort(err, c.req.raw.signal)) {
      // The client went away mid-request: nothing failed here, and a flood of
      // resets must not flood the log (nobody reads this answer either).
      return fail(400, 'E_CLIENT_ABORTED', 'request aborted by the client');
    }
    if (err instanceof WorkerError) {
      const status = statusOf(err.code);
      if (status >= 500) log.error({ event: 'request_failed', code: err.code, path: new URL(c.req.url).pathname, detail: err.message }, err.message);
      return fail(status, err.code, err.message);
    }
    log.error({ event: 'request_failed', code: 'E_INTERNAL', path: new URL(c.req.url).pathname, err: err.message, stack: err.stack }, 'request failed');
    return fail(500, 'E_INTERNAL', 'internal error; see the Worker log');
  });

  return { app, engine };
}
