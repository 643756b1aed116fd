/**
 * Free loopback ports. A DNS server needs the same port free for UDP and
 * TCP, so both are tried before the port is handed out. Ports handed out in
 * this run are never handed out twice.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const given = new Set();

function tcpFree(host, port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(0));
    srv.listen({ host, port, exclusive: true }, () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

function udpFree(host, port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port free for TCP and UDP on `host` (default 127.0.0.1). */
export async function freePort(host = '127.0.0.1') {
  for (let i = 0; i < 50; i++) {
    const p = await tcpFree(host, 0);
    if (!p || given.has(p)) continue;
    if (await udpFree(host, p)) { given.add(p); return p; }
  }
  throw new Error('E_BENCH_PORT: no free loopback port after 50 tries');
}

/** A port free for TCP on every one of `hosts` (demo edges share one port). */
export async function freePortOnAll(hosts) {
  for (let i = 0; i < 50; i++) {
    const p = await tcpFree(hosts[0], 0);
    if (!p || given.has(p)) continue;
    let ok = true;
    for (const h of hosts.slice(1)) if ((await tcpFree(h, p)) !== p) { ok = false; break; }
    if (ok) { given.add(p); return p; }
  }
  throw new Error('E_BENCH_PORT: no port free on all of ' + hosts.join(', '));
}
