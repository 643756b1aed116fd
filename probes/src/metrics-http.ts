/**
 * The HTTP listener behind `edgesteer probe --metrics-listen`: serves a
 * Prometheus registry at GET /metrics, 404 for anything else.
 */
import http from 'node:http';
import { listenHttp, metricsNodeListener, type HttpListener } from '@edgesteer/http-kit/node';
import type { Registry } from 'prom-client';
import { ProbeError } from './errors.js';

/** A running metrics listener (url e.g. http://127.0.0.1:9401/metrics). */
export type MetricsListener = HttpListener;

/** Parses `host:port` or `[v6]:port` (port 0 = any free port); throws E_PROBE_METRICS_LISTEN. */
export function parseMetricsListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ProbeError('E_PROBE_METRICS_LISTEN', `--metrics-listen expects host:port (e.g. 127.0.0.1:9401), got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Serves `registry` at GET /metrics on host:port; resolves once listening. */
export function startMetricsListener(registry: Registry, listen: { host: string; port: number }): Promise<MetricsListener> {
  const server = http.createServer(metricsNodeListener(registry, { errorCode: 'E_PROBE_METRICS' }));
  return listenHttp(server, listen, '/metrics').catch((err: NodeJS.ErrnoException) => {
    throw new ProbeError('E_PROBE_METRICS_LISTEN', `cannot listen for /metrics on ${listen.host}:${listen.port}: ${err.code ?? err.message}`);
  });
}
