/**
 * The Worker on Node: the same Hono app as on Cloudflare, served by
 * @hono/node-server's request listener over HTTP/1.1 and h2c on one port
 * (dig's DoH speaks HTTP/2 only), with state in memory and the policy from
 * a file (or a Policy object). The client address is the socket peer.
 */
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Policy } from '@edgesteer/policy/neutral';
import {
  createWorkerApp,
  MemoryStateStore,
  silentLogger,
  staticPolicySource,
  type ProbeKeys,
  type StateStore,
  type WorkerApp,
  type WorkerLogger,
  type PolicySource,
} from '../index.js';
import type { ClientMap } from '@edgesteer/core';
import { NodeClientMaps } from './client-maps.js';
import { FilePolicySource, type PolicyReload } from './file-policy-source.js';
import { createDualServer, type DualListener, type DualServerOptions } from './h1-h2c-server.js';
import { createWorkerNodeMetrics, type WorkerNodeMetrics } from './node-metrics.js';

export interface WorkerNodeOptions {
  /** Policy file (YAML or JSON). Either this or `policy`. */
  policyFile?: string;
  /** A policy already loaded (the all-in-one runner). */
  policy?: Policy;
  /** Reload the policy file when it changes. Default false. */
  watchPolicy?: boolean;
  /** Address to listen on. Default 127.0.0.1; port 0 = any free port. */
  host?: string;
  port?: number;
  /** Probe id → accepted HMAC secrets. No keys: every report is refused (401). */
  keys?: ProbeKeys;
  store?: StateStore;
  clock?: () => number;
  /** pino or anything with the same (fields, msg) methods. */
  logger?: WorkerLogger;
  maxReportBytes?: number;
  /** Re-run decide() when the table is older than this. Default 1 s. */
  refreshMs?: number;
  /** Accepted report signature clock skew. Default 300 s. */
  signatureWindowMs?: number;
  /** Slow-client limits (header/request/sniff/HTTP2 idle timeouts); defaults in DUAL_SERVER_DEFAULTS. */
  http?: DualServerOptions;
  /** Serve Prometheus metrics at GET /metrics. Default true. */
  metrics?: boolean;
  /** A fixed client map (tests); default: compiled from the policy and its GeoIP database, kept current. */
  clientMap?: ClientMap;
}

export interface RunningWorker {
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  host: string;
  port: number;
  worker: WorkerApp;
  /** The /metrics registry (absent with `metrics: false`). */
  metrics?: WorkerNodeMetrics;
  /** Re-reads the policy file (no-op result 'unchanged' without one). */
  reloadPolicy(): Promise<PolicyReload>;
  close(): Promise<void>;
}

/** Starts the Worker on Node and resolves once it is listening. */
export async function startWorkerNode(opts: WorkerNodeOptions): Promise<RunningWorker> {
  const log = opts.logger ?? silentLogger();
  let file: FilePolicySource | undefined;
  let source: PolicySource;
  if (opts.policy) source = staticPolicySource(opts.policy, opts.policyFile ?? 'inline');
  else if (opts.policyFile) {
    file = await FilePolicySource.open(opts.policyFile, log);
    if (opts.watchPolicy) file.watch();
    source = file;
  } else throw new Error('E_POLICY_INVALID: startWorkerNode needs policyFile or policy');
  const fixed = opts.clientMap;
  const maps = fixed ? undefined : await NodeClientMaps.create((await source.get()).policy, opts.policyFile, log, opts.watchPolicy ?? false);

  const worker = createWorkerApp({
    store: opts.store ?? new MemoryStateStore(),
    policy: source,
    keys: opts.keys ?? new Map(),
    clock: opts.clock ?? Date.now,
    clientAddress: (c) => getConnInfo(c).remote.address,
    clientMap: fixed ? () => fixed : (policy) => maps!.get(policy),
    log,
    ...(opts.maxReportBytes === undefined ? {} : { maxReportBytes: opts.maxReportBytes }),
    engine: {
      ...(opts.refreshMs === undefined ? {} : { refreshMs: opts.refreshMs }),
      ...(opts.signatureWindowMs === undefined ? {} : { windowMs: opts.signatureWindowMs }),
    },
  });

  const host = opts.host ?? '127.0.0.1';
  const metrics = opts.metrics === false ? undefined : createWorkerNodeMetrics(worker);
  const dual = createDualServer(getRequestListener(metrics ? metrics.wrap(worker.app.fetch) : worker.app.fetch) as DualListener, opts.http);
  await new Promise<void>((resolve, reject) => {
    dual.server.once('error', reject);
    dual.server.listen(opts.port ?? 0, host, () => {
      dual.server.off('error', reject);
      resolve();
    });
  });
  const port = (dual.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ event: 'worker_listening', url, policy: opts.policyFile ?? 'inline' }, `worker listening on ${url}`);

  return {
    url,
    host,
    port,
    worker,
    ...(metrics ? { metrics } : {}),
    reloadPolicy: async () => (file ? file.reload() : { result: 'unchanged' }),
    close: async () => {
      file?.close();
      maps?.close();
      await dual.close();
    },
  };
}
