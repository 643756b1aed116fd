/**
 * The HTTP listener behind `edgesteer probe --metrics-listen`: serves a
 * Prometheus registry at GET /metrics, 404 for anything else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ProbeError } from './errors.js';

/** A running metrics listener. */
export interface MetricsListener {
  /** e.g. http://127.0.0.1:9401/metrics */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Parses `host:port` or `[v6]:port` (port 0 = any free port); throws E_PROBE_METRICS_LISTEN. */
export function parseMetricsListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ProbeError('E_PROBE_METRICS_LISTEN', `--metrics-listen expects host:port (e.g. 127.0.0.1:9401), got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Serves `registry` at GET /metrics on host:port; resolves once listening. */
export function startMetricsListener(registry: Registry, listen: { host: string; port: number }): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`E_PROBE_METRICS: ${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ProbeError('E_PROBE_METRICS_LISTEN', `cannot listen for /metrics on ${listen.host}:${listen.port}: ${err.code ?? err.message}`)),
    );
    server.listen(listen.port, listen.host, () => {
      server.removeAllListeners('error');
      const port = (server.address() as AddressInfo).port;
      const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
      resolve({
        url: `http://${host}:${port}/metrics`,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
