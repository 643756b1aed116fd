/**
 * Runs a controller as a process: load policy and keys, restore state, serve
 * the HTTP app on Node, tick the decision loop, watch the policy file,
 * persist state, and shut all of it down in order.
 */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Clock, ProbeKeys } from '@edgesteer/core';
import { gateHttpServer, loadProbeKeys, parseListen, type ListenAddress } from '@edgesteer/http-kit/node';
import { formatProblem, loadPolicyFile, type Policy } from '@edgesteer/policy';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { createControllerApp, type ControllerApp } from './app.js';
import { ClientMapHashes } from './client-map-hash.js';
import { Controller } from './controller.js';
import { ControlError } from './errors.js';
import { createControllerLogger, type Logger } from './logger.js';
import { createControllerMetrics, processRegistry } from './metrics.js';
import { PolicyWatcher } from './policy-watcher.js';
import { StateStore } from './state-store.js';
import { registerPlaneGauges } from './plane-gauges.js';
import { ObservationLog } from './observation-log.js';

/** Default state directory (relative to the working directory). */
export const DEFAULT_STATE_DIR = '.edgesteer-state';
export const DEFAULT_LISTEN = '127.0.0.1:8080';
export const DEFAULT_TICK_MS = 1000;
/**
 * Slow-client limits: a request head must arrive within 10 s and a whole
 * request within 30 s, or the connection gets 408 and is closed. Node's own
 * defaults (60 s / 300 s) let a slowloris hold connections for minutes.
 * Long-polls and SSE are unaffected: these bound receiving the request only.
 */
export const DEFAULT_HTTP_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 } as const;
/**
 * Connection admission (http-kit's ConnectionGate): per source address and
 * in total, so one client opening connections cannot lock others out.
 */
export const DEFAULT_CONNECTION_LIMITS = { maxConnections: 4096, maxPerSource: 64 } as const;

export interface StartControllerOptions {
  /** Policy file (watched for hot reload). Either this or `policy`. */
  policyFile?: string;
  /** An in-memory policy (no reload). */
  policy?: Policy;
  /** `host:port` or an address; default 127.0.0.1:8080. Port 0 picks a free port. */
  listen?: string | ListenAddress;
  /** Where state is persisted; `false` keeps it in memory only. Default .edgesteer-state/. */
  stateDir?: string | false;
  /** Probe keys; default: `keyFile`, else EDGESTEER_PROBE_KEYS. */
  keys?: ProbeKeys;
  keyFile?: string;
  /** Decision tick; default 1000 ms. */
  tickMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Metrics registry; default the process registry. */
  registry?: Registry;
  /** Admin bearer token; default EDGESTEER_ADMIN_TOKEN. */
  adminToken?: string;
  /** Watch the policy file; default true when `policyFile` is given. */
  watch?: boolean;
  longPollMs?: number;
  maxBodyBytes?: number;
  heartbeatMs?: number;
  signatureWindowMs?: number;
  /** Durable observation timeline under `<stateDir>/observations/` (size and age caps); `false` = none. Default on with a state dir. */
  observationLog?: { maxBytes?: number; maxAgeMs?: number } | false;
  /** Minimum time between state writes; default 250 ms. */
  persistDebounceMs?: number;
  /** Data planes to watch on the dashboard: base URLs whose GET /healthz follows the plane health contract. */
  planes?: readonly string[];
  /** How often each plane is polled; default 1000 ms. */
  planePollMs?: number;
  /** Frames queued per stream client before it is dropped; default 64. */
  sseMaxQueue?: number;
  /** Slow-client limits; default DEFAULT_HTTP_TIMEOUTS. */
  httpTimeouts?: { headersTimeoutMs?: number; requestTimeoutMs?: number };
  /** Connection limits; default DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: { maxConnections?: number; maxPerSource?: number };
}

/** A running controller. */
export interface RunningController {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  host: string;
  port: number;
  controller: Controller;
  http: ControllerApp;
  /** The durable observation timeline, when kept. */
  observationLog: ObservationLog | undefined;
  /** Re-reads the policy file now (same as POST /v1/reload). */
  reload(): ReturnType<PolicyWatcher['reload']>;
  /** Stops serving, flushes state. Idempotent. */
  close(): Promise<void>;
}

/** Starts a controller (see module doc). Throws ControlError on bad policy, keys or listen address. */
export async function startController(opts: StartControllerOptions): Promise<RunningController> {
  const log = opts.logger ?? createControllerLogger();
  const listen = typeof opts.listen === 'object' ? opts.listen : listenOrThrow(opts.listen ?? DEFAULT_LISTEN);
  const keys = opts.keys ?? receiverKeys(opts.keyFile);
  const policyFile = opts.policyFile ? resolve(opts.policyFile) : undefined;

  let policy: Policy;
  let policyText: string | undefined;
  if (policyFile) {
    policyText = await readFile(policyFile, 'utf8').catch((err: Error) => {
      throw new ControlError('E_POLICY_INVALID', `cannot read policy file ${policyFile}: ${err.message}`, { cause: err });
    });
    const loaded = await loadPolicyFile(policyFile);
    if (!loaded.ok) {
      const lines = loaded.problems.map(formatProblem);
      for (const l of lines) log.error({ event: 'policy_invalid', policyFile, problem: l }, l);
      throw new ControlError('E_POLICY_INVALID', `policy ${policyFile} has ${lines.length} problem(s):\n  ${lines.join('\n  ')}`);
    }
    for (const p of loaded.problems) log.warn({ event: 'policy_warning', policyFile, problem: formatProblem(p) }, formatProblem(p));
    policy = loaded.policy;
  } else if (opts.policy) {
    policy = opts.policy;
  } else {
    throw new ControlError('E_POLICY_INVALID', 'no policy: pass --policy FILE');
  }

  const metrics = createControllerMetrics(opts.registry ?? processRegistry());
  const store = opts.stateDir === false ? undefined : new StateStore({ dir: resolve(opts.stateDir ?? DEFAULT_STATE_DIR), logger: log, metrics, ...(opts.persistDebounceMs === undefined ? {} : { debounceMs: opts.persistDebounceMs }) });
  const restore = await store?.load();

  const controller = new Controller({
    policy,
    ...(policyFile ? { policyFile } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    logger: log,
    metrics,
    ...(restore ? { restore } : {}),
  });
  registerPlaneGauges(metrics.registry, controller);
  store?.attach(controller);
  // Persist before publish: no client sees a table whose state could be lost to a SIGKILL.
  if (store) controller.persistBeforePublish(() => store.flush());
  const obsLog = opts.stateDir === false || opts.observationLog === false ? undefined : new ObservationLog({ dir: resolve(opts.stateDir ?? DEFAULT_STATE_DIR, 'observations'), ...(opts.observationLog ?? {}) });
  controller.observationLog = obsLog;

  const watcher = policyFile ? new PolicyWatcher({ controller, file: policyFile, ...(policyText !== undefined ? { initialText: policyText } : {}) }) : undefined;

  const shutdown = new AbortController();
  const http = createControllerApp({
    ...(policyFile ? { clientMapHash: ((maps) => (p: Policy) => maps.hash(p))(new ClientMapHashes(policyFile, log)) } : {}),
    controller,
    keys,
    adminToken: opts.adminToken ?? process.env['EDGESTEER_ADMIN_TOKEN'],
    reload: watcher ? () => watcher.reload(true) : undefined,
    shutdown: shutdown.signal,
    observationLog: obsLog,
    ...(opts.longPollMs === undefined ? {} : { longPollMs: opts.longPollMs }),
    ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }),
    ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }),
    ...(opts.signatureWindowMs === undefined ? {} : { signatureWindowMs: opts.signatureWindowMs }),
    ...(opts.planes ? { planes: opts.planes } : {}),
    ...(opts.planePollMs === undefined ? {} : { planePollMs: opts.planePollMs }),
    ...(opts.sseMaxQueue === undefined ? {} : { sseMaxQueue: opts.sseMaxQueue }),
  });

  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...opts.httpTimeouts };
  const server = createAdaptorServer({
    fetch: http.app.fetch,
    serverOptions: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // The checker's period bounds how late a timeout fires (Node's default: 30 s).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeouts.headersTimeoutMs / 4))),
    },
  });
  gateHttpServer(server as HttpServer, { ...DEFAULT_CONNECTION_LIMITS, ...opts.connectionLimits });
  await new Promise<void>((ok, fail) => {
    const onError = (err: Error) => fail(new ControlError('E_LISTEN_INVALID', `cannot listen on ${listen.host}:${listen.port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(listen.port, listen.host, () => {
      server.off('error', onError);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostForUrl}:${addr.port}`;

  // Only now that the port is ours: a failed start must leave no watcher or timer behind.
  if (watcher && opts.watch !== false) watcher.start();
  http.planes.start();
  const tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
  const ticker = setInterval(() => {
    try {
      controller.tick();
    } catch (err) {
      log.error({ event: 'tick_failed', err: (err as Error).message, stack: (err as Error).stack }, 'decision tick failed');
    }
  }, tickMs);

  log.info(
    { event: 'controller_listening', url, policyFile, stateFile: store?.file, tickMs, probes: [...keys.keys()].sort(), planes: http.planes.list.map((p) => p.url), version: controller.table.version, hash: controller.table.hash },
    `controller listening on ${url}`,
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(ticker);
      watcher?.stop();
      shutdown.abort();
      http.close();
      // Streams were just ended: give them a moment to flush their last chunk, then cut whatever is left.
      const s = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
      await new Promise<void>((ok) => {
        // Connections turn idle as their streams finish; close each as soon as it does.
        const idle = setInterval(() => s.closeIdleConnections(), 20);
        const force = setTimeout(() => s.closeAllConnections(), 1000);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(force);
          ok();
        });
        s.closeIdleConnections();
      });
      await store?.close();
      obsLog?.close();
      log.info({ event: 'controller_stopped', version: controller.table.version, hash: controller.table.hash }, 'controller stopped');
    })());

  return {
    url,
    host: addr.address,
    port: addr.port,
    controller,
    http,
    observationLog: obsLog,
    reload: () => (watcher ? watcher.reload(true) : Promise.resolve({ result: 'unchanged' as const })),
    close,
  };
}

function listenOrThrow(text: string): ListenAddress {
  try {
    return parseListen(text);
  } catch (err) {
    throw new ControlError('E_LISTEN_INVALID', (err as Error).message);
  }
}

/**
 * The keys from `keyFile`, else EDGESTEER_PROBE_KEYS (http-kit's loader,
 * every process's). None at all is an error: a controller that accepts no
 * reports would silently serve the assume-up table forever.
 */
function receiverKeys(keyFile: string | undefined): ProbeKeys {
  let keys;
  try {
    keys = loadProbeKeys({ keyFile });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ControlError(code === 'E_KEYS_PERMS' || code === 'E_KEYS_UNREADABLE' ? code : 'E_KEYS_INVALID', (err as Error).message);
  }
  if (keys.size === 0) {
    throw new ControlError('E_KEYS_INVALID', 'no probe keys configured: pass --key-file FILE (lines of "probe-id region secret", chmod 600) or set EDGESTEER_PROBE_KEYS="probe-id region secret,..."');
  }
  return keys;
}
