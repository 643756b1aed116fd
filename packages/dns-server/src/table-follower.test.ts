import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoutingTable } from '@edgesteer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isRoutingTable, TableFollower } from './table-follower.js';
import { captureLogger, eventually } from './test-support.js';

const table = (version: number): RoutingTable => ({ version, hash: `h${version}`, policyHash: 'p', generatedAt: 1, services: {}, edges: {} });

interface Controller {
  url: string;
  server: Server;
  requests: Array<{ url: string; inm: string | undefined }>;
  version: number;
  /** Hold ?wait= requests until the version changes. */
  hold: boolean;
  status: number;
  body?: string;
}

async function controller(port = 0): Promise<Controller> {
  const c: Controller = { url: '', server: undefined as unknown as Server, requests: [], version: 1, hold: true, status: 200 };
  const waiting: Array<() => void> = [];
  c.server = createServer((req, res) => {
    const inm = req.headers['if-none-match'] as string | undefined;
    c.requests.push({ url: req.url ?? '', inm });
    if (c.status !== 200) return void res.writeHead(c.status).end();
    const etag = `"v${c.version}"`;
    const reply = () => {
      const now = `"v${c.version}"`;
      if (inm === now) return void res.writeHead(304, { etag: now }).end();
      res.writeHead(200, { etag: now, 'content-type': 'application/json' }).end(c.body ?? JSON.stringify(table(c.version)));
    };
    if (req.url?.includes('wait=') && c.hold && inm === etag) {
      waiting.push(reply);
      const t = setInterval(() => {
        if (`"v${c.version}"` !== etag) {
          clearInterval(t);
          reply();
        }
      }, 10);
      res.on('close', () => clearInterval(t));
      return;
    }
    reply();
  });
  await new Promise<void>((r) => c.server.listen(port, '127.0.0.1', () => r()));
  c.url = `http://127.0.0.1:${(c.server.address() as AddressInfo).port}`;
  return c;
}

const followers: TableFollower[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const f of followers.splice(0)) f.stop();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function follow(url: string, tables: RoutingTable[], opts: { staleLogIntervalMs?: number } = {}) {
  const cap = captureLogger();
  const f = new TableFollower({ controller: url, log: cap.log, onTable: (t) => tables.push(t), pollIntervalMs: 50, maxBackoffMs: 100, ...opts });
  followers.push(f);
  f.start();
  return { f, lines: cap.lines };
}

describe('TableFollower', () => {
  it('fetches the table, then long-polls with the ETag and gets each change', async () => {
    const c = await controller();
    servers.push(c.server);
    const tables: RoutingTable[] = [];
    follow(c.url, tables);
    await eventually(() => tables.length === 1, 3000, 'first table');
    await eventually(() => c.requests.some((r) => r.url === '/v1/table?wait=%22v1%22' && r.inm === '"v1"'), 3000, 'a long poll');
    c.version = 2;
    await eventually(() => tables.length === 2, 3000, 'second table');
    expect(tables.map((t) => t.version)).toEqual([1, 2]);
    // Held polls, not a busy loop.
    expect(c.requests.length).toBeLessThan(10);
  });

  it('falls back to polling when the controller answers long polls at once', async () => {
    const c = await controller();
    servers.push(c.server);
    c.hold = false;
    const tables: RoutingTable[] = [];
    const { lines } = follow(c.url, tables);
    await eventually(() => lines.some((l) => l.msg === 'controller does not hold long polls; polling instead'), 3000, 'fallback');
    const n = c.requests.length;
    c.version = 5;
    await eventually(() => tables.at(-1)?.version === 5, 3000, 'the change by polling');
    expect(c.requests.slice(n).every((r) => r.url === '/v1/table' && r.inm !== undefined)).toBe(true);
  });

  it('keeps the last table when the controller goes away, logs staleness, and recovers', async () => {
    const c = await controller();
    servers.push(c.server);
    const port = (c.server.address() as AddressInfo).port;
    const tables: RoutingTable[] = [];
    const { f, lines } = follow(c.url, tables, { staleLogIntervalMs: 100 });
    await eventually(() => tables.length === 1, 3000, 'first table');
    c.server.closeAllConnections();
    await new Promise((r) => c.server.close(r));
    await eventually(() => lines.filter((l) => l['code'] === 'E_DNS_TABLE_STALE').length >= 2, 5000, 'two staleness logs');
    expect(lines.filter((l) => l['code'] === 'E_DNS_CONTROLLER')).toHaveLength(1); // said once, then staleness
    expect(f.isStale()).toBe(true);
    expect(tables).toHaveLength(1);

    const back = await controller(port);
    servers.push(back.server);
    back.version = 3;
    await eventually(() => tables.at(-1)?.version === 3, 5000, 'table from the controller that came back');
    expect(lines.some((l) => l.msg === 'controller reachable again')).toBe(true);
  });

  it('treats HTTP errors and bodies that are not tables as failures', async () => {
    const c = await controller();
    servers.push(c.server);
    c.body = '{"hello":"world"}';
    const tables: RoutingTable[] = [];
    const { lines } = follow(c.url, tables);
    await eventually(() => lines.some((l) => l['code'] === 'E_DNS_CONTROLLER'), 3000, 'failure log');
    expect(String(lines.find((l) => l['code'] === 'E_DNS_CONTROLLER')?.['error'])).toMatch(/not a routing table/);
    c.body = undefined;
    c.status = 503;
    await new Promise((r) => setTimeout(r, 200));
    expect(tables).toEqual([]);
  });

  it('recognises routing tables', () => {
    expect(isRoutingTable(table(1))).toBe(true);
    expect(isRoutingTable({ ...table(1), services: null })).toBe(false);
    expect(isRoutingTable('x')).toBe(false);
  });
});
