/**
 * A stand-in for the controller's table endpoint, as the DNS server expects
 * it: GET /v1/table with ETag / If-None-Match, and long polls
 * (?wait=<etag>) held until the table changes. Can be told not to hold long
 * polls, to fail, or to stop listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RoutingTable } from '@edgesteer/core';

export interface FakeController {
  url: string;
  port: number;
  setTable(t: RoutingTable): void;
  /** Requests seen: path + query, and If-None-Match. */
  requests: Array<{ url: string; ifNoneMatch: string | undefined }>;
  /** When false, ?wait= is ignored (answered at once), like a controller without long poll. */
  longPoll: boolean;
  /** When set, every request gets this HTTP status. */
  failWith: number | undefined;
  close(): Promise<void>;
}

const etagOf = (t: RoutingTable) => `"${t.version}-${t.hash.slice(0, 12)}"`;

export async function startFakeController(initial: RoutingTable, port = 0): Promise<FakeController> {
  let table = initial;
  const held = new Set<{ res: ServerResponse; wait: string; timer: NodeJS.Timeout }>();
  const sockets = new Set<Socket>();
  const send = (res: ServerResponse, ifNoneMatch: string | undefined) => {
    const etag = etagOf(table);
    if (ifNoneMatch === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify(table));
  };
  const fc: FakeController = {
    url: '',
    port: 0,
    requests: [],
    longPoll: true,
    failWith: undefined,
    setTable(t) {
      table = t;
      for (const h of [...held]) {
        if (h.wait !== etagOf(t)) {
          clearTimeout(h.timer);
          held.delete(h);
          send(h.res, undefined);
        }
      }
    },
    close: () =>
      new Promise((resolve) => {
        for (const h of held) clearTimeout(h.timer);
        held.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const inm = req.headers['if-none-match'];
    fc.requests.push({ url: url.pathname + url.search, ifNoneMatch: typeof inm === 'string' ? inm : undefined });
    if (fc.failWith !== undefined) {
      res.writeHead(fc.failWith).end('unavailable');
      return;
    }
    if (url.pathname !== '/v1/table') {
      res.writeHead(404).end();
      return;
    }
    const wait = url.searchParams.get('wait');
    if (wait !== null && fc.longPoll && wait === etagOf(table)) {
      const h = { res, wait, timer: setTimeout(() => {
        held.delete(h);
        res.writeHead(304, { etag: etagOf(table) }).end();
      }, 5000) };
      held.add(h);
      res.on('close', () => {
        clearTimeout(h.timer);
        held.delete(h);
      });
      return;
    }
    send(res, typeof inm === 'string' ? inm : undefined);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  fc.port = (server.address() as AddressInfo).port;
  fc.url = `http://127.0.0.1:${fc.port}`;
  return fc;
}
