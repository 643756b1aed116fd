/**
 * `GET /metrics` from a Prometheus registry on plain node:http, for
 * processes without an HTTP app of their own (the probe agent). Typed
 * structurally, so any prom-client `Registry` fits without this package
 * depending on prom-client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a prom-client `Registry` offers that is used here. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * A node:http request listener serving `registry` at GET/HEAD `/metrics`
 * (404 elsewhere): `http.createServer(metricsNodeListener(reg))`. A failing
 * collection answers 500 with `errorCode` (default `E_METRICS`) and the error.
 */
export function metricsNodeListener(registry: MetricsSource, opts: { errorCode?: string } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const errorCode = opts.errorCode ?? 'E_METRICS';
  return (req, res) => {
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
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorCode}: ${String(err)}\n`);
      },
    );
  };
}
