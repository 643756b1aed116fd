/**
 * DNS over TCP (RFC 7766): two-byte length framing, any number of queries per
 * connection (pipelined, answered in order). Malformed messages get FORMERR
 * like over UDP; a frame of length zero closes the connection.
 *
 * Limits, so one address cannot starve the others (http-kit's
 * ConnectionGate): open connections per source and in total, with the
 * longest-idle connection of the heaviest source evicted when full; an idle
 * timeout between messages; and a deadline for each whole message, counted
 * from its first byte, that trickling bytes cannot extend (Knot closes an
 * incomplete message after 0.5 s too).
 */
import net from 'node:net';
import { ConnectionGate } from '@edgesteer/http-kit/node';
import type { Logger } from 'pino';
import type { DnsEngine } from './engine.js';

export interface TcpListenOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  /** Close a connection after this long without data (RFC 7766 §6.2.3 suggests seconds). */
  idleMs: number;
  /** Open connections in total; when full, an idle connection of the heaviest source is closed, else the new one. */
  maxConnections: number;
  /** Open connections per source (IPv4 address or IPv6 /64). Default 32. */
  maxPerSource?: number;
  /** A message must arrive whole within this from its first byte. Default 500 ms. */
  messageTimeoutMs?: number;
}

/** Defaults of the per-source limit and the whole-message deadline. */
export const TCP_LIMIT_DEFAULTS = { maxPerSource: 32, messageTimeoutMs: 500 } as const;

/** A listening TCP server; close() also ends open connections. */
export interface TcpListener {
  server: net.Server;
  close(): Promise<void>;
}

/** Starts the TCP listener. Resolves once listening. */
export function listenTcp(engine: DnsEngine, log: Logger, opts: TcpListenOptions): Promise<TcpListener> {
  const c = engine.counters;
  const open = new Set<net.Socket>();
  const gate = new ConnectionGate({ maxConnections: opts.maxConnections, maxPerSource: opts.maxPerSource ?? TCP_LIMIT_DEFAULTS.maxPerSource });
  const messageMs = opts.messageTimeoutMs ?? TCP_LIMIT_DEFAULTS.messageTimeoutMs;
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
    const ticket = gate.admit(sock);
    if (!ticket) {
      c.tcpRejected++;
      return;
    }
    c.tcpOpen++;
    c.tcpAccepted++;
    open.add(sock);
    const client = sock.remoteAddress ?? '';
    let pending: Buffer | null = null;
    // Between messages: the idle timer (any byte resets it). Inside a
    // message: a fixed deadline from its first byte, which no byte resets.
    let deadline: NodeJS.Timeout | undefined;
    const startMessage = () => {
      ticket.busy();
      // On expiry, let the poll phase read what already arrived first (setImmediate runs after it), so a
      // stalled event loop does not cut a client whose bytes were waiting in the socket.
      deadline ??= setTimeout(() => setImmediate(() => deadline !== undefined && sock.destroy()), messageMs);
    };
    const endMessage = () => {
      clearTimeout(deadline);
      deadline = undefined;
      ticket.idle();
    };
    // Until its first byte a connection is idle: evictable when the server is full, closed after idleMs.
    sock.setTimeout(opts.idleMs, () => sock.destroy());
    ticket.idle();
    sock.on('data', (chunk: Buffer) => {
      let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const frames: Buffer[] = [];
      let completed = 0;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len === 0) {
          sock.destroy();
          return;
        }
        if (buf.length < 2 + len) break;
        completed++;
        const out = engine.answer(buf.subarray(2, 2 + len), client, 'tcp');
        buf = buf.subarray(2 + len);
        if (out === null) continue;
        const frame = Buffer.allocUnsafe(2 + out.length);
        frame.writeUInt16BE(out.length, 0);
        frame.set(out, 2);
        frames.push(frame);
      }
      pending = buf.length > 0 ? Buffer.from(buf) : null;
      // A complete message restarts the clock for the next one; a partial one keeps its deadline.
      if (completed > 0 || pending === null) endMessage();
      if (pending !== null) startMessage();
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
      clearTimeout(deadline);
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
