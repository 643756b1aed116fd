/**
 * Admission for TCP listeners (DNS over TCP, HTTP/1.1 + h2c, the
 * controller): a cap on open connections per source and in total, and when
 * full a fair eviction — the longest-idle connection of the source holding
 * the most — so one address that opens (or trickles on) a thousand
 * connections cannot lock every other client out.
 *
 * A source is an IPv4 address or an IPv6 /64 (one host usually owns a
 * whole /64). Whether a connection is idle is the protocol's call: the
 * listener marks it busy while a message/request is partly received or
 * being answered, and idle between them. Busy connections are never
 * evicted; their protocol deadline (not this gate) ends them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGateOptions {
  /** Open connections in total. */
  maxConnections: number;
  /** Open connections per source (IPv4 address or IPv6 /64). */
  maxPerSource: number;
}

/** A connection the gate admitted; the listener tells it when the connection is busy or idle. */
export interface GateTicket {
  busy(): void;
  idle(): void;
}

interface Entry {
  socket: Socket;
  source: string;
  /** Time the connection became idle (ms, monotonic); undefined while busy. */
  idleSince: number | undefined;
}

/** The source key of an address: IPv4 as is (also v4-mapped), IPv6 its /64. */
export function sourceOf(address: string | undefined): string {
  if (!address) return '?';
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  const bare = address.split('%')[0]!.toLowerCase();
  const [h = '', t] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const head = h ? h.split(':') : [];
  const tail = t ? t.split(':') : [];
  const fill = t === undefined ? [] : Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0');
  const groups = [...head, ...fill, ...tail].slice(0, 4).map((g) => g.replace(/^0+(?=.)/, ''));
  return `${groups.join(':')}::/64`;
}

/** See module doc. */
export class ConnectionGate {
  private readonly bySource = new Map<string, Set<Entry>>();
  private total = 0;
  /** Connections refused at accept (per-source cap, or full with nothing idle to evict). */
  refused = 0;
  /** Idle connections closed to make room for another source. */
  evicted = 0;

  constructor(
    readonly opts: ConnectionGateOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Open connections now. */
  get open(): number {
    return this.total;
  }

  /**
   * Admits `socket` (possibly evicting an idle connection) and returns its
   * ticket, or destroys it and returns undefined. The entry is dropped when
   * the socket closes. A new connection starts busy (it has a message to send).
   */
  admit(socket: Socket): GateTicket | undefined {
    const source = sourceOf(socket.remoteAddress);
    const mine = this.bySource.get(source);
    if ((mine?.size ?? 0) >= this.opts.maxPerSource && !this.evictIdle(mine!)) return this.refuse(socket);
    if (this.total >= this.opts.maxConnections && !this.evictForRoom(source)) return this.refuse(socket);
    const entry: Entry = { socket, source, idleSince: undefined };
    let set = this.bySource.get(source);
    if (!set) this.bySource.set(source, (set = new Set()));
    set.add(entry);
    this.total++;
    socket.once('close', () => {
      if (set.delete(entry)) this.total--;
      if (set.size === 0 && this.bySource.get(source) === set) this.bySource.delete(source);
    });
    return {
      busy: () => {
        entry.idleSince = undefined;
      },
      idle: () => {
        entry.idleSince ??= this.now();
      },
    };
  }

  private refuse(socket: Socket): undefined {
    this.refused++;
    socket.destroy();
    return undefined;
  }

  /** Closes the longest-idle connection in `set`; false when none is idle. */
  private evictIdle(set: Set<Entry>): boolean {
    let oldest: Entry | undefined;
    for (const e of set) if (e.idleSince !== undefined && (oldest === undefined || e.idleSince < oldest.idleSince!)) oldest = e;
    if (!oldest) return false;
    set.delete(oldest);
    this.total--;
    this.evicted++;
    oldest.socket.destroy();
    return true;
  }

  /**
   * Full: take an idle connection from the source holding the most (never
   * from a source holding fewer than the newcomer's would after admission),
   * falling back to the next-largest sources.
   */
  private evictForRoom(newcomer: string): boolean {
    const mine = this.bySource.get(newcomer)?.size ?? 0;
    const sources = [...this.bySource.entries()].filter(([s, set]) => s === newcomer || set.size > mine + 1).sort((a, b) => b[1].size - a[1].size);
    for (const [, set] of sources) if (this.evictIdle(set)) return true;
    return false;
  }
}

/**
 * Puts a node:http server behind a gate: every accepted connection is
 * admitted or closed, and is busy while a request on it is in flight (a
 * long-poll or event stream stays busy, so it is never evicted; its own
 * limits bound it). Before its first request and between requests it is
 * idle: evictable when the server is full.
 */
export function gateHttpServer(server: Server, opts: ConnectionGateOptions): ConnectionGate {
  const gate = new ConnectionGate(opts);
  const conns = new WeakMap<Socket, { ticket: GateTicket; active: number }>();
  server.on('connection', (socket: Socket) => {
    const ticket = gate.admit(socket);
    if (!ticket) return;
    // Idle (evictable when full) until a request is in flight: a client still sending its head holds nothing.
    ticket.idle();
    conns.set(socket, { ticket, active: 0 });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const e = conns.get(req.socket);
    if (!e) return;
    e.active++;
    e.ticket.busy();
    res.once('close', () => {
      e.active = Math.max(0, e.active - 1);
      if (e.active === 0) e.ticket.idle();
    });
  });
  return gate;
}
