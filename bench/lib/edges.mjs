/**
 * Demo edges for the bench: one small HTTP server per region on its own
 * loopback address (127.0.0.11/12/13), all on one shared port so that peers
 * whose checks take one URL (PowerDNS ifurlup) can check every edge.
 * `kill` closes the listener and every open connection (a dead edge refuses
 * connections); `revive` listens again on the same address and port.
 */
import { createServer } from 'node:http';
import { REGIONS, HEALTH_PATH } from './scenario.mjs';
import { freePortOnAll } from './ports.mjs';

function makeEdge(region, port) {
  const sockets = new Set();
  let server = null;
  let checks = 0;
  const handler = (req, res) => {
    checks++;
    const send = () => {
      if (req.url === HEALTH_PATH || req.url?.startsWith(HEALTH_PATH + '?')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-edge': region.edge });
        res.end(`ok ${region.edge}\n`);
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`edge ${region.edge}\n`);
      }
    };
    if (region.edgeDelayMs > 0) setTimeout(send, region.edgeDelayMs); else send();
  };
  const listen = () => new Promise((resolve, reject) => {
    server = createServer(handler);
    server.keepAliveTimeout = 2000;
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.once('error', reject);
    server.listen({ host: region.address, port }, () => resolve());
  });
  return {
    id: region.edge,
    region: region.id,
    address: region.address,
    port,
    get up() { return server !== null; },
    get checks() { return checks; },
    start: listen,
    async kill() {
      if (!server) return;
      const s = server;
      server = null;
      const closed = new Promise((r) => s.close(() => r()));
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      await closed;
    },
    async revive() { if (!server) await listen(); },
  };
}

/** Starts the three demo edges; returns them with their shared port. */
export async function startEdges() {
  const port = await freePortOnAll(REGIONS.map((r) => r.address));
  const edges = REGIONS.map((r) => makeEdge(r, port));
  for (const e of edges) await e.start();
  return {
    port,
    edges,
    byAddress(addr) { return edges.find((e) => e.address === addr); },
    async reviveAll() { for (const e of edges) await e.revive(); },
    async stop() { for (const e of edges) await e.kill(); },
  };
}
