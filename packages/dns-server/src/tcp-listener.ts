/**
 * DNS over TCP (RFC 7766): two-byte length framing, any number of queries per
 * connection (pipelined, answered in order), an idle timeout and a cap on
 * open connections. Malformed messages get FORMERR like over UDP; a frame of
 * length zero closes the connection.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { DnsEngine } from './engine.js';

export interface TcpListenOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  /** Close a connection after this long without data (RFC 7766 §6.2.3 suggests seconds). */
  idleMs: number;
  /** Connections beyond this are closed at once. */
  maxConnections: number;
}

/** A listening TCP server; close() also ends open connections. */
export interface TcpListener {
  server: net.Server;
  close(): Promise<void>;
}

/** Starts the TCP listener. Resolves once listening. */
export function listenTcp(engine: DnsEngine, log: Logger, opts: TcpListenOptions): Promise<TcpListener> {
  const c = engine.counters;
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
    if (c.tcpOpen >= opts.maxConnections) {
      c.tcpRejected++;
      sock.destroy();
      return;
    }
    c.tcpOpen++;
    c.tcpAccepted++;
    open.add(sock);
    const client = sock.remoteAddress ?? '';
    let pending: Buffer | null = null;
    sock.setTimeout(opts.idleMs, () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const frames: Buffer[] = [];
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len === 0) {
          sock.destroy();
          return;
        }
        if (buf.length < 2 + len) break;
        const out = engine.answer(buf.subarray(2, 2 + len), client, 'tcp');
        buf = buf.subarray(2 + len);
        if (out === null) continue;
        const frame = Buffer.allocUnsafe(2 + out.length);
        frame.writeUInt16BE(out.length, 0);
        frame.set(out, 2);
        frames.push(frame);
      }
      pending = buf.length > 0 ? Buffer.from(buf) : null;
      if (frames.length > 0 && !sock.destroyed) {
        const flushed = sock.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
        if (!flushed) {
          // A client that does not read its answers stops being read from.
          sock.pause();
          sock.once('drain', () => sock.resume());
        }
      }
    });
    sock.on('end', () => sock.end());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      c.tcpOpen--;
      open.delete(sock);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port, host: opts.host, reusePort: opts.reusePort ?? false, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ event: 'tcp_listener_error', err, code: 'E_DNS_TCP' }, 'TCP listener error'));
      resolve({
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of open) s.destroy();
          }),
      });
    });
  });
}
