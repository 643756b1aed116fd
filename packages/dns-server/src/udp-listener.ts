/**
 * The UDP fast path on node:dgram directly: each datagram goes straight to
 * the answer plane (no per-packet object parsing, unlike dns2's UDP server)
 * and the response is sent back to the source.
 */
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { DnsEngine } from './engine.js';
import type { ResponseRateLimiter } from './rrl.js';

export interface UdpListenOptions {
  host: string;
  port: number;
  /** SO_REUSEPORT: several processes bind the same port and the kernel spreads the load. */
  reusePort?: boolean;
  /** Socket buffer sizes in bytes (bursts are absorbed here instead of dropped). */
  bufferBytes?: number;
  /** Response rate limiting (RRL); undefined = off. */
  rrl?: ResponseRateLimiter | undefined;
}

/**
 * Address lookup for the socket. Replies go to the source address of a
 * datagram, always an IP literal: answering the lookup synchronously lets
 * send() go out at once instead of after a process.nextTick per packet
 * (dns.lookup defers even for literals). Names (a --listen host) still
 * resolve through dns.lookup.
 */
function literalLookup(address: string, family: number, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const f = isIP(address);
  if (f !== 0) cb(null, address, f);
  else dnsLookup(address, family, cb);
}

/** Binds a UDP socket answering through `engine`. Resolves once bound. */
export function listenUdp(engine: DnsEngine, log: Logger, opts: UdpListenOptions): Promise<dgram.Socket> {
  const type = opts.host.includes(':') ? 'udp6' : 'udp4';
  const sock = dgram.createSocket({ type, reusePort: opts.reusePort ?? false, lookup: literalLookup as unknown as typeof dnsLookup });
  const rrl = opts.rrl;
  let sendErrors = 0;
  let lastErrLog = 0;
  sock.on('message', (msg, rinfo) => {
    if (rinfo.port === 0) return;
    const out = engine.answer(msg, rinfo.address, 'udp');
    if (out === null) return;
    const send = rrl === undefined ? out : rrl.filter(out, rinfo.address, Date.now());
    if (send !== null) sock.send(send, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    const onStartError = (err: Error) => reject(err);
    sock.once('error', onStartError);
    // exclusive: in a cluster worker, bind our own socket (SO_REUSEPORT) instead of sharing the primary's.
    sock.bind({ port: opts.port, address: opts.host, exclusive: true }, () => {
      sock.off('error', onStartError);
      sock.on('error', (err) => {
        // Send errors (e.g. ICMP unreachable surfaced by the kernel) are per packet: log them rarely.
        sendErrors++;
        const now = Date.now();
        if (now - lastErrLog > 10_000) {
          log.warn({ event: 'udp_socket_error', err, code: 'E_DNS_UDP_SOCKET', errors: sendErrors }, 'UDP socket error');
          lastErrLog = now;
          sendErrors = 0;
        }
      });
      const size = opts.bufferBytes ?? 4 * 1024 * 1024;
      try {
        sock.setRecvBufferSize(size);
        sock.setSendBufferSize(size);
      } catch {
        // The kernel may cap buffer sizes (net.core.rmem_max); the default still works.
      }
      resolve(sock);
    });
  });
}
