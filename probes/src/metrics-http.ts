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

/** Serves `registry` at GET /metrics on host:port; resolves once listening. */
export function startMetricsListener(registry: Registry, listen: { host: string; port: number }): Promise<MetricsListener> {
  const server = http.createServer(metricsNodeListener(registry, { errorCode: 'E_PROBE_METRICS' }));
  return listenHttp(server, listen, '/metrics').catch((err: NodeJS.ErrnoException) => {
    throw new ProbeError('E_PROBE_METRICS_LISTEN', `cannot listen for /metrics on ${listen.host}:${listen.port}: ${err.code ?? err.message}`);
  });
}
