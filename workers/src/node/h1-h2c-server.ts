/**
 * One TCP port that speaks both HTTP/1.1 and cleartext HTTP/2 with prior
 * knowledge (h2c). DoH clients such as BIND's `dig +http-plain` send the
 * HTTP/2 preface straight away, while curl, fetch and browsers speak
 * HTTP/1.1 to a plain-HTTP port; Node's http2 module cannot serve both on
 * one cleartext socket, so the first bytes pick the server.
 *
 * Limits, so one client cannot starve the others: connections per source
 * and in total through http-kit's ConnectionGate (an idle keep-alive
 * connection of the heaviest source is closed when full); HTTP/1.1 head and
 * whole-request deadlines (Node's checker); at most `maxStreamsPerSession`
 * concurrent HTTP/2 streams (SETTINGS_MAX_CONCURRENT_STREAMS, enforced by
 * nghttp2 with REFUSED_STREAM) and each stream reset once it has been open
 * for `requestTimeoutMs`, however slowly its body trickles in.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants as h2constants, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ConnectionGate, type GateTicket } from '@edgesteer/http-kit/node';

/** A request handler both servers accept (@hono/node-server's getRequestListener). */
export type DualListener = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** The HTTP/2 connection preface (RFC 9113 §3.4) starts with these bytes. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/** Limits on slow clients (a slowloris must not hold connections forever). */
export interface DualServerOptions {
  /** A client must finish its request head within this (HTTP/1.1). Default 10 s. */
  headersTimeoutMs?: number;
  /** …and the whole request, body included, within this. Default 30 s. */
  requestTimeoutMs?: number;
  /** A new connection must send enough to tell HTTP/1.1 from HTTP/2 within this. Default 10 s. */
  sniffTimeoutMs?: number;
  /** An HTTP/2 session with no activity for this long is closed. Default 60 s. */
  h2IdleTimeoutMs?: number;
  /** Concurrent HTTP/2 streams per connection. Default 100 (RFC 9113 §6.5.2 recommends no fewer). */
  maxStreamsPerSession?: number;
  /** Open connections in total. Default 4096. */
  maxConnections?: number;
  /** Open connections per source address (IPv6: per /64). Default 64. */
  maxPerSource?: number;
}

export const DUAL_SERVER_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  sniffTimeoutMs: 10_000,
  h2IdleTimeoutMs: 60_000,
  maxStreamsPerSession: 100,
  maxConnections: 4096,
  maxPerSource: 64,
} as const;

export interface DualServer {
  server: Server;
  /** The admission gate (open, refused and evicted counts). */
  gate: ConnectionGate;
  /** Ends every open connection (keep-alive and HTTP/2 sessions), then stops listening. */
  close(): Promise<void>;
}

/** Creates the sniffing server (not yet listening). */
export function createDualServer(listener: DualListener, opts: DualServerOptions = {}): DualServer {
  const o = { ...DUAL_SERVER_DEFAULTS, ...opts };
  const h1 = createHttp1Server(
    { headersTimeout: o.headersTimeoutMs, requestTimeout: o.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(o.headersTimeoutMs / 4))) },
    listener as (req: IncomingMessage, res: ServerResponse) => void,
  );
  // Node enforces headersTimeout/requestTimeout (answering 408) from a checker
  // it starts when a server emits 'listening'. h1 never listens itself (the
  // sniffing server below hands it sockets), so start the checker here;
  // without it a client that sends its head one byte at a time holds the
  // connection forever.
  h1.emit('listening');
  const h2 = createHttp2Server({ settings: { maxConcurrentStreams: o.maxStreamsPerSession } }, listener as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
  h2.setTimeout(o.h2IdleTimeoutMs);
  const sockets = new Set<Socket>();
  const gate = new ConnectionGate({ maxConnections: o.maxConnections, maxPerSource: o.maxPerSource });
  // Requests in flight per connection (keyed by the socket h1 sees and by the stream h2 sees).
  const inFlight = new WeakMap<object, { ticket: GateTicket; active: number }>();
  const begin = (key: object) => {
    const e = inFlight.get(key);
    if (!e) return;
    e.active++;
    e.ticket.busy();
  };
  const end = (key: object) => {
    const e = inFlight.get(key);
    if (!e) return;
    e.active = Math.max(0, e.active - 1);
    if (e.active === 0) e.ticket.idle();
  };
  h1.on('request', (req: IncomingMessage, res: ServerResponse) => {
    begin(req.socket);
    res.once('close', () => end(req.socket));
  });
  h2.on('stream', (stream: ServerHttp2Stream) => {
    const conn = stream.session?.socket as object | undefined;
    if (conn) begin(conn);
    // A whole-stream deadline: a body trickling in cannot keep a stream (and its memory) forever.
    const timer = setTimeout(() => stream.close(h2constants.NGHTTP2_CANCEL), o.requestTimeoutMs);
    stream.once('close', () => {
      clearTimeout(timer);
      if (conn) end(conn);
    });
  });

  const server = createNetServer((socket) => {
    const ticket = gate.admit(socket);
    if (!ticket) return;
    // Idle (evictable when full) until a request is in flight: a client still sending its head holds nothing.
    ticket.idle();
    inFlight.set(socket, { ticket, active: 0 });
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('error', () => socket.destroy());
    // Until the first bytes arrive nobody else watches this socket.
    socket.setTimeout(o.sniffTimeoutMs, () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      // Wait until the bytes seen can tell the two apart.
      if (isH2 && n < PREFACE.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      if (isH2) {
        const stream = replaying(socket, seen);
        inFlight.set(stream, inFlight.get(socket)!);
        h2.emit('connection', stream);
      } else {
        socket.unshift(seen);
        h1.emit('connection', socket);
      }
      socket.resume();
    };
    socket.on('data', onData);
  });

  return {
    server,
    gate,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        // Stops h1's timeout checker (h1 is not listening, so its callback gets ERR_SERVER_NOT_RUNNING: fine).
        h1.close(() => {});
        server.close(() => resolve());
      }),
  };
}

/**
 * The socket as a stream that first replays the bytes already read. The
 * HTTP/1 parser takes unshifted data back, but an HTTP/2 session reads the
 * socket's native handle and would miss them. Address fields are copied so
 * request handlers still see the client's address.
 */
function replaying(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  stream.push(head);
  socket.on('data', (d: Buffer) => {
    if (!stream.push(d)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  Object.assign(stream, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    remoteFamily: socket.remoteFamily,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
  });
  return stream;
}
