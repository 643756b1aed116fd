/**
 * Real edge servers on loopback for probe tests, one behaviour each: up,
 * 500, hanging, closing the connection, slow first byte, TLS, plain TCP.
 * Every server counts its connections (open now, most at once) so tests can
 * check what a probe really did on the wire.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket, type AddressInfo } from 'node:net';

export interface EdgeServer {
  host: string;
  port: number;
  /** Connections open right now / most open at once / accepted in total. */
  conns: { open: number; max: number; total: number };
  /** Request heads seen (HTTP servers). */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function track(server: HttpServer | NetServer, conns: EdgeServer['conns'], sockets: Set<Socket>): void {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    conns.open++;
    conns.total++;
    conns.max = Math.max(conns.max, conns.open);
    s.on('error', () => {});
    s.once('close', () => {
      sockets.delete(s);
      conns.open--;
    });
  });
}

async function listen(server: HttpServer | NetServer, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: HttpServer | NetServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** An HTTP (or, with `tls`, HTTPS) edge running `handler`. */
export async function startHttpEdge(host: string, handler: Handler, opts: { tls?: { key: string; cert: string }; port?: number } = {}): Promise<EdgeServer> {
  const conns = { open: 0, max: 0, total: 0 };
  const requests: EdgeServer['requests'] = [];
  const sockets = new Set<Socket>();
  const wrapped: Handler = (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, wrapped) : createHttpServer(wrapped);
  track(server, conns, sockets);
  const port = await listen(server, host, opts.port);
  return { host, port, conns, requests, close: closer(server, sockets) };
}

/** A raw TCP edge: `onSocket` decides what to do with each connection. */
export async function startTcpEdge(host: string, onSocket: (s: Socket) => void): Promise<EdgeServer> {
  const conns = { open: 0, max: 0, total: 0 };
  const sockets = new Set<Socket>();
  const server = createNetServer(onSocket);
  track(server, conns, sockets);
  const port = await listen(server, host);
  return { host, port, conns, requests: [], close: closer(server, sockets) };
}

/** A port on `host` with nothing listening (connecting to it is refused). */
export async function refusedPort(host: string): Promise<number> {
  const s = createNetServer();
  const port = await listen(s, host);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const handlers = {
  ok: (body = 'edge ok'): Handler => (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  },
  status: (code: number): Handler => (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`status ${code}`);
  },
  /** Accepts the request and never answers. */
  hang: (): Handler => () => {},
  /** Answers after `ms` (headers and body together). */
  slow: (ms: number): Handler => (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('slow but ok');
    }, ms);
  },
  /** Holds each request `ms` before answering 200 (for concurrency tests). */
  hold: (ms: number): Handler => (_req, res) => {
    setTimeout(() => res.end('ok'), ms);
  },
  redirect: (location: string, code = 302): Handler => (_req, res) => {
    res.writeHead(code, { location });
    res.end();
  },
};
