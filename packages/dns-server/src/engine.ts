/**
 * The per-process answering engine: the current answer plane (swapped
 * atomically as one reference), the counters, and the one call both
 * listeners make per query.
 */
import type { AnswerInfo, AnswerOptions, AnswerPlane } from '@edgesteer/dns-wire';
import type { Logger } from 'pino';
import { DnsCounters } from './metrics.js';

/** Errors are logged at most this often (an error per query would flood the log). */
const ERROR_LOG_INTERVAL_MS = 10_000;

export class DnsEngine {
  readonly counters = new DnsCounters();
  private current: AnswerPlane;
  private readonly info: AnswerInfo = { rcode: 0, service: undefined, region: undefined, truncated: false };
  private readonly udpOpts: AnswerOptions;
  private readonly tcpOpts: AnswerOptions;
  private lastErrorLogAt = 0;
  private errorsSinceLog = 0;

  constructor(
    plane: AnswerPlane,
    private readonly log: Logger,
    maxUdp: number,
    /** This server's NSID (RFC 5001), answered to queries that ask (`--nsid`). */
    nsid?: string,
  ) {
    this.current = plane;
    const id = nsid === undefined || nsid === '' ? {} : { nsid: nsidBytes(nsid) };
    // Buffer.allocUnsafe takes small buffers from a shared slab: cheaper than a fresh ArrayBuffer per response.
    this.udpOpts = { transport: 'udp', maxUdp, alloc: Buffer.allocUnsafe, info: this.info, ...id };
    this.tcpOpts = { transport: 'tcp', maxUdp, alloc: Buffer.allocUnsafe, info: this.info, ...id };
  }

  /** Marks answers as served from stale data (EDE 3 "Stale Answer" to EDNS queries) or not. */
  setStale(stale: boolean): void {
    this.udpOpts.stale = stale;
    this.tcpOpts.stale = stale;
  }

  get plane(): AnswerPlane {
    return this.current;
  }

  /** Swaps in a new plane. Queries in flight finished on the old one (single thread): no mixed answers. */
  setPlane(plane: AnswerPlane): void {
    this.current = plane;
  }

  /** UDP answer options with another output allocator (the batched path writes into its send slots); shares the counters' info. */
  udpOptions(alloc: (size: number) => Uint8Array): AnswerOptions {
    return { ...this.udpOpts, alloc };
  }

  /** Answers one message; null = send nothing. Never throws. */
  answer(msg: Uint8Array, client: string | Uint8Array, transport: 'udp' | 'tcp'): Uint8Array | null {
    return this.answerWith(msg, client, transport === 'udp' ? this.udpOpts : this.tcpOpts);
  }

  /** {@link answer} with explicit options (from {@link udpOptions}). Never throws. */
  answerWith(msg: Uint8Array, client: string | Uint8Array, opts: AnswerOptions): Uint8Array | null {
    const transport = opts.transport === 'tcp' ? 'tcp' : 'udp';
    // Answer-time histogram, sampled: see latency-histogram.ts for what it costs.
    const t0 = this.counters.latency.start();
    try {
      const out = this.current.answer(msg, client, opts);
      this.counters.count(this.info, transport);
      this.counters.latency.stop(t0);
      return out;
    } catch (err) {
      this.counters.errors++;
      this.errorsSinceLog++;
      const now = Date.now();
      if (now - this.lastErrorLogAt >= ERROR_LOG_INTERVAL_MS) {
        this.log.error({ event: 'answer_failed', err, code: 'E_DNS_ANSWER', errors: this.errorsSinceLog, transport }, 'error while answering a query (packet dropped)');
        this.lastErrorLogAt = now;
        this.errorsSinceLog = 0;
      }
      return null;
    }
  }
}

/** NSID bytes from `--nsid`: `0x` + hex for raw bytes (as Knot reads it), else the text as UTF-8. */
export function nsidBytes(text: string): Uint8Array {
  if (/^0x([0-9a-f]{2})+$/i.test(text)) return Uint8Array.from(Buffer.from(text.slice(2), 'hex'));
  return Uint8Array.from(Buffer.from(text, 'utf8'));
}
