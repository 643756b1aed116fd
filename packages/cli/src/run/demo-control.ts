/**
 * The demo control endpoint of `edgesteer run`: lets a person (or
 * `edgesteer demo edge EDGE down|up|slow MS`) kill, slow or revive a demo
 * edge and watch the answers move. Loopback only; it controls demo servers,
 * nothing real.
 *
 * A web page the operator visits must not be able to drive it: a POST must
 * be `application/json` (a cross-site form or `text/plain` fetch cannot set
 * that without a CORS preflight, which is never granted), and a request
 * whose Origin is not this endpoint's own, or that a browser marks as
 * cross-site, is refused with 403.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListen } from '@edgesteer/http-kit/node';
import type { DemoEdges } from './demo-edges.js';

export interface DemoControl {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 4096;

/** Serves GET /demo/edges and POST /demo/edges/:id {"action":"down"|"up"|"slow","ms":N}. */
export function startDemoControl(demo: DemoEdges, listen: string): Promise<DemoControl> {
  const { host, port } = parseListen(listen);
  let self = '';
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body) + '\n');
  };
  // Slow clients: a request head within 10 s, a whole request within 30 s (then 408).
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (req.method === 'GET' && url.pathname === '/demo/edges') return send(res, 200, { edges: demo.edges() });
    const m = /^\/demo\/edges\/([a-z0-9-]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return send(res, 404, { error: 'E_NOT_FOUND', message: 'use GET /demo/edges or POST /demo/edges/:id' });
    const refusal = crossSiteProblem(req, self);
    if (refusal) {
      res.setHeader('connection', 'close');
      return send(res, refusal.status, { error: refusal.code, message: refusal.message });
    }
    const tooLarge = () => {
      // Answer with a clear 413 and close: the rest of the upload is not read.
      res.setHeader('connection', 'close');
      send(res, 413, { error: 'E_BODY_TOO_LARGE', message: `body exceeds ${MAX_BODY} bytes; send {"action":"down"|"up"|"slow","ms":N}` });
      req.pause();
      res.once('finish', () => req.destroy());
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooLarge();
    let body = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (tooBig) return;
      body += c;
      if (body.length > MAX_BODY) {
        tooBig = true;
        tooLarge();
      }
    });
    req.on('end', () => {
      if (tooBig) return;
      let parsed: { action?: unknown; ms?: unknown };
      try {
        parsed = JSON.parse(body || '{}') as typeof parsed;
      } catch {
        return send(res, 400, { error: 'E_BAD_JSON', message: 'body must be JSON like {"action":"slow","ms":80}' });
      }
      const action = parsed.action;
      if (action !== 'up' && action !== 'down' && action !== 'slow') {
        return send(res, 400, { error: 'E_BAD_ACTION', message: 'action must be "up", "down" or "slow"' });
      }
      demo.set(m[1]!, action, typeof parsed.ms === 'number' ? parsed.ms : undefined).then(
        (edge) => send(res, 200, { edge }),
        (err: Error) => send(res, 400, { error: 'E_DEMO', message: err.message }),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      self = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
      resolve({
        url: self,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

/** Why a POST may come from another web page (see module doc), or undefined when it is a direct client's. */
function crossSiteProblem(req: http.IncomingMessage, self: string): { status: number; code: string; message: string } | undefined {
  const origin = req.headers['origin'];
  const site = req.headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== self) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    return { status: 403, code: 'E_CROSS_ORIGIN', message: `requests from other origins (${String(origin ?? site).slice(0, 64)}) are refused; use \`edgesteer demo edge …\` or curl` };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return { status: 415, code: 'E_CONTENT_TYPE', message: `POST needs Content-Type: application/json (got "${type.slice(0, 64) || 'none'}")` };
  }
  return undefined;
}
