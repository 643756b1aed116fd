/**
 * A DNS-over-UDP client for the chaos tests: queries matched to responses by
 * id, a timeout per query (a timeout is a lost answer), and a loop that keeps
 * N queries in flight and checks every answer.
 */
import dgram from 'node:dgram';
import { decodeIndependent } from '@edgesteer/dns-server/testing';


export interface UdpDnsClient {
  /** Sends `query` (its id is replaced) and resolves with the response, or null after timeoutMs. */
  query(query: Uint8Array, timeoutMs?: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

/** Opens a client socket (bound to `bindAddress` when given, e.g. 127.0.3.7). */
export async function openUdpDns(port: number, host = '127.0.0.1', bindAddress?: string): Promise<UdpDnsClient> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ port: 0, ...(bindAddress ? { address: bindAddress } : {}) }, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  const pending = new Map<number, { resolve: (b: Buffer | null) => void; timer: NodeJS.Timeout }>();
  let nextId = Math.floor(Math.random() * 65536);
  sock.on('message', (msg) => {
    if (msg.length < 2) return;
    const id = msg.readUInt16BE(0);
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(msg);
  });
  sock.on('error', () => {});
  let closed = false;
  return {
    query(q, timeoutMs = 2000) {
      if (closed) return Promise.resolve(null);
      let id = nextId;
      for (let i = 0; i < 65536 && pending.has(id); i++) id = (id + 1) & 0xffff;
      nextId = (id + 1) & 0xffff;
      const buf = Buffer.from(q);
      buf.writeUInt16BE(id, 0);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(null);
        }, timeoutMs);
        pending.set(id, { resolve, timer });
        sock.send(buf, port, host);
      });
    },
    close: () =>
      new Promise((resolve) => {
        closed = true;
        for (const p of pending.values()) {
          clearTimeout(p.timer);
          p.resolve(null);
        }
        pending.clear();
        sock.close(() => resolve());
      }),
  };
}

export interface LoopStats {
  sent: number;
  answered: number;
  lost: number;
  wrong: number;
  /** First few wrong answers, described. */
  wrongSamples: string[];
}

export interface QueryLoop {
  readonly stats: LoopStats;
  /** Stops sending and waits for the queries in flight. */
  stop(): Promise<LoopStats>;
}

/**
 * Keeps `concurrency` queries in flight until stopped. `make(i)` builds query
 * i; `check(i, response, sentAt)` returns null when the answer is right, or a
 * description of what is wrong.
 */
export function startQueryLoop(
  client: UdpDnsClient,
  opts: {
    make: (i: number) => Uint8Array;
    check: (i: number, response: Buffer, sentAt: number) => string | null;
    concurrency?: number;
    timeoutMs?: number;
    /** Pause between queries of one lane (ms); 0 = back to back. */
    pauseMs?: number;
  },
): QueryLoop {
  const stats: LoopStats = { sent: 0, answered: 0, lost: 0, wrong: 0, wrongSamples: [] };
  let running = true;
  let i = 0;
  const lane = async () => {
    while (running) {
      const n = i++;
      const sentAt = Date.now();
      stats.sent++;
      const res = await client.query(opts.make(n), opts.timeoutMs ?? 2000);
      if (res === null) stats.lost++;
      else {
        stats.answered++;
        const bad = opts.check(n, res, sentAt);
        if (bad !== null) {
          stats.wrong++;
          if (stats.wrongSamples.length < 5) stats.wrongSamples.push(bad);
        }
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const lanes = Array.from({ length: opts.concurrency ?? 4 }, () => lane());
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(lanes);
      return stats;
    },
  };
}



/** The A/AAAA addresses in a response's answer section, in order. */
export function addressesOf(response: Uint8Array): string[] {
  return decodeIndependent(response).answers.flatMap((a) => (a.data.kind === 'address' ? [a.data.address] : []));
}

/** The SOA serial in a response (answer or authority), or undefined. */
export function soaSerialOf(response: Uint8Array): number | undefined {
  const m = decodeIndependent(response);
  for (const r of [...m.answers, ...m.authorities]) if (r.data.kind === 'soa') return r.data.soa.serial;
  return undefined;
}
