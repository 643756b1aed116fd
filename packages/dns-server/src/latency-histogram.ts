/**
 * Answer-time histogram of the DNS server: how long building one response
 * takes in-process (parse, lookup, encode), from the datagram or TCP frame
 * handed to the engine to the response bytes ready to send. Socket and
 * kernel time are not in it; dnsperf measures those from the outside.
 *
 * Kept cheap for the hot path: one query in LATENCY_SAMPLE_EVERY is timed
 * (two performance.now() reads cost about 120 ns, 1.5-3.5% of the ~8 µs a
 * query costs the server in all; sampled, under 0.3%: see
 * bench/dns/histogram-cost.mjs). Uniform sampling leaves the distribution,
 * and so every quantile, as it is; `count` is the number of timed queries,
 * not of all queries (those are in edgesteer_dns_queries_total). Fixed
 * buckets in a plain array, found by a short linear scan, no allocation per
 * query. Snapshots are plain JSON so cluster workers can send them to the
 * primary, which sums them.
 */

/** One query in this many is timed. */
export const LATENCY_SAMPLE_EVERY = 16;

/** Upper bounds of the buckets, in seconds (Prometheus `le`); a last +Inf bucket follows. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.000002, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.01, 0.1];

const BOUNDS_MS = LATENCY_BUCKETS_SECONDS.map((s) => s * 1000);

/** A point-in-time copy: per-bucket counts (not cumulative; the last is +Inf), sum and count. */
export interface LatencySnapshot {
  /** Length LATENCY_BUCKETS_SECONDS.length + 1. */
  counts: number[];
  sumSeconds: number;
  count: number;
}

export class LatencyHistogram {
  private readonly counts: number[] = new Array<number>(BOUNDS_MS.length + 1).fill(0);
  private sumMs = 0;
  private n = 0;
  private untilSample = 1;

  /** @param sampleEvery time one query in this many (1 = every query). */
  constructor(private readonly sampleEvery = LATENCY_SAMPLE_EVERY) {}

  /** Call when a query arrives: a start time when this query is to be timed, else -1. */
  start(): number {
    if (--this.untilSample > 0) return -1;
    this.untilSample = this.sampleEvery;
    return performance.now();
  }

  /** Call when the answer is ready, with what start() returned. */
  stop(t0: number): void {
    if (t0 >= 0) this.observe(performance.now() - t0);
  }

  /** Records one answer time in milliseconds (performance.now() units). */
  observe(ms: number): void {
    let i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
    this.n++;
  }

  snapshot(): LatencySnapshot {
    return { counts: this.counts.slice(), sumSeconds: this.sumMs / 1000, count: this.n };
  }
}

/** An empty snapshot. */
export function emptyLatency(): LatencySnapshot {
  return { counts: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0), sumSeconds: 0, count: 0 };
}

/** Adds `from` into `into` (cluster mode sums the workers' histograms). */
export function addLatency(into: LatencySnapshot, from: LatencySnapshot | undefined): void {
  if (!from) return;
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += from.counts[i] ?? 0;
  into.sumSeconds += from.sumSeconds;
  into.count += from.count;
}
