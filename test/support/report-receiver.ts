/**
 * A minimal signed-report receiver for probe tests, built on core's
 * verifyReport + ReplayGuard exactly as the controller and Worker use them:
 * accepted reports are kept in order, refusals are kept with their code.
 * It can be stopped and restarted on the same port (a sink going down and
 * coming back).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { authRefusal, ReplayGuard, verifyReport, type Report, type ReportAuthCode } from '@edgesteer/core';
import { REPORT_REFUSAL_STATUS } from '@edgesteer/http-kit';

export interface ReportReceiver {
  url: string;
  port: number;
  accepted: Report[];
  refused: Array<{ code: ReportAuthCode; message: string }>;
  /** The next `n` accepted reports are recorded but their responses are lost (the connection is cut). */
  loseResponses(n: number): void;
  /** Stops listening (connections to the port are then refused). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startReportReceiver(host: string, keys: Record<string, string>, opts: { path?: string; port?: number } = {}): Promise<ReportReceiver> {
  const path = opts.path ?? '/v1/observations';
  const guard = new ReplayGuard();
  const accepted: Report[] = [];
  const refused: ReportReceiver['refused'] = [];
  let server: Server | undefined;
  let port = opts.port ?? 0;
  let lose = 0;
  const sockets = new Set<Socket>();

  const make = () =>
    createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      const r = await verifyReport({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), keys: (id) => keys[id], now: Date.now(), guard });
      if (r.ok) {
        accepted.push(r.report);
        if (lose > 0) {
          lose--;
          req.socket.destroy();
          return;
        }
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: r.report.observations.length }));
      } else {
        refused.push({ code: r.code, message: r.message });
        res.writeHead(REPORT_REFUSAL_STATUS[authRefusal(r.code, r.message).reason], { 'content-type': 'application/json' }).end(JSON.stringify({ error: r.code, message: r.message }));
      }
    });

  const start = async () => {
    server = make();
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server = undefined;
    });

  await start();
  return {
    get url() {
      return `http://${host}:${port}${path}`;
    },
    get port() {
      return port;
    },
    accepted,
    refused,
    loseResponses: (n) => {
      lose = n;
    },
    stop,
    restart: start,
    close: stop,
  };
}
