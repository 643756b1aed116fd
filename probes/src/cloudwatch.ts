/**
 * `--cloudwatch`: per-edge metrics for Route53 CLOUDWATCH_METRIC health
 * checks and dashboards, via PutMetricData.
 *
 * Metrics (namespace `Edgesteer` unless overridden), dimensions Edge and
 * ProbeRegion, high resolution (StorageResolution 1) so an alarm on a 10 s
 * period can react within seconds:
 * - Health: 1 up / 0 down (unit None)
 * - ConnectRtt, FirstByteRtt: Milliseconds, when measured
 *
 * Plus `DownVote` with the Edge dimension only, at standard resolution: the
 * series the per-edge Route53 alarm sums (packages/route53/src/alarms.ts).
 * Once per aligned vote period (default 60 s, the alarm's Period), half way
 * through it, each edge gets ONE datapoint from this probe: 1 when this
 * region's rise/fall state says the edge is down, 0 when up, nothing while
 * the state is unknown. The alarm fires when the Sum reaches the quorum, so
 * "≥ quorum regions say down" holds and a silent region never counts.
 * Votes go to the alarms' region (the policy's `health.alarmRegion`), not
 * to this probe's own region: every region must land in the same metric.
 *
 * Requests stay inside the API limits (1000 datums and 1 MB per request;
 * AWS API reference, PutMetricData). Datums wait in a bounded buffer; a batch
 * that fails for a retryable reason (throttling, 5xx, network — after the
 * SDK's own retries) goes back to the front of the buffer for the next flush;
 * a batch the service refuses as invalid is dropped and counted.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Observation } from '@edgesteer/core';
import type { Logger } from 'pino';
import { BoundedQueue } from './bounded-queue.js';
import { RateLimitedLog } from './logger.js';

export const DEFAULT_NAMESPACE = 'Edgesteer';

/** PutMetricData request limits (current API: 1000 metric data items, 1 MB POST body). */
export const PUT_METRIC_DATA_LIMITS = { maxDatums: 1000, maxBytes: 1_000_000 } as const;

/** The metric data one observation turns into. */
export function observationDatums(obs: Observation): MetricDatum[] {
  const Dimensions = [
    { Name: 'Edge', Value: obs.edge },
    { Name: 'ProbeRegion', Value: obs.probeRegion },
  ];
  const Timestamp = new Date(obs.at);
  const out: MetricDatum[] = [
    { MetricName: 'Health', Dimensions, Timestamp, Value: obs.ok ? 1 : 0, Unit: 'None', StorageResolution: 1 },
  ];
  if (obs.connectMs !== undefined) out.push({ MetricName: 'ConnectRtt', Dimensions, Timestamp, Value: obs.connectMs, Unit: 'Milliseconds', StorageResolution: 1 });
  if (obs.firstByteMs !== undefined) out.push({ MetricName: 'FirstByteRtt', Dimensions, Timestamp, Value: obs.firstByteMs, Unit: 'Milliseconds', StorageResolution: 1 });
  return out;
}

/** The vote datum of one edge for the vote period starting at `periodStart` (epoch ms). */
export function voteDatum(edge: string, down: boolean, periodStart: number, periodMs: number): MetricDatum {
  // Timestamped mid-period: well inside the period CloudWatch buckets it in.
  return { MetricName: 'DownVote', Dimensions: [{ Name: 'Edge', Value: edge }], Timestamp: new Date(periodStart + Math.floor(periodMs / 2)), Value: down ? 1 : 0, Unit: 'Count', StorageResolution: 60 };
}

/** Serialised size estimate of a datum in the JSON request (a Date counts as its ISO text, longer than the epoch seconds sent). */
function datumBytes(d: MetricDatum): number {
  return JSON.stringify(d).length + 1;
}

/**
 * Splits datums into PutMetricData-sized batches: at most `maxDatums` each
 * and at most `maxBytes` of JSON including the envelope.
 */
export function chunkDatums(datums: readonly MetricDatum[], namespace: string, limits: { maxDatums: number; maxBytes: number } = PUT_METRIC_DATA_LIMITS): MetricDatum[][] {
  const envelope = JSON.stringify({ Namespace: namespace, MetricData: [] }).length;
  const out: MetricDatum[][] = [];
  let cur: MetricDatum[] = [];
  let bytes = envelope;
  for (const d of datums) {
    const size = datumBytes(d);
    if (cur.length > 0 && (cur.length >= limits.maxDatums || bytes + size > limits.maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = envelope;
    }
    cur.push(d);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export interface CloudWatchPublisherOptions {
  /** AWS region the client signs for and sends to. */
  awsRegion: string;
  namespace?: string;
  /** Endpoint override (a test endpoint, a VPC endpoint). */
  endpoint?: string;
  /** A ready client (tests, shared clients); otherwise one is created with the standard credential chain. */
  client?: CloudWatchClient;
  logger: Logger;
  /** How often buffered datums are sent; default 1000 ms. */
  flushMs?: number;
  /** Datums kept while CloudWatch is unreachable; default 20,000. */
  maxBuffered?: number;
  /** SDK attempts per request (the SDK retries throttling and 5xx itself); default 3. */
  maxAttempts?: number;
  /** This probe's up/down state of each edge (rise/fall), for the votes; without it no votes are sent. */
  voteOf?: () => Iterable<[edge: string, state: 'up' | 'down' | 'unknown']>;
  /** Vote period, ms; must equal the alarms' Period (default 60,000). */
  votePeriodMs?: number;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
}

export interface CloudWatchStats {
  namespace: string;
  awsRegion: string;
  /** Datums accepted by CloudWatch. */
  sent: number;
  /** PutMetricData requests that succeeded. */
  requests: number;
  /** Requests that failed (after SDK retries). */
  errors: number;
  /** Datums dropped: buffer overflow or refused as invalid. */
  dropped: number;
  buffered: number;
  lastError?: string;
}

export class CloudWatchPublisher {
  readonly namespace: string;
  private readonly client: CloudWatchClient;
  private readonly ownsClient: boolean;
  private readonly queue: BoundedQueue<MetricDatum>;
  private readonly timer: NodeJS.Timeout;
  private readonly errorLog = new RateLimitedLog();
  private flushing: Promise<boolean> = Promise.resolve(true);
  private counters = { sent: 0, requests: 0, errors: 0, refused: 0 };
  private lastError: string | undefined;
  /** Last vote period sent, per edge (at most one vote per edge and period). */
  private readonly voted = new Map<string, number>();

  constructor(private readonly opts: CloudWatchPublisherOptions) {
    this.namespace = opts.namespace ?? DEFAULT_NAMESPACE;
    this.ownsClient = !opts.client;
    this.client =
      opts.client ??
      new CloudWatchClient({ region: opts.awsRegion, maxAttempts: opts.maxAttempts ?? 3, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) });
    this.queue = new BoundedQueue<MetricDatum>(opts.maxBuffered ?? 20_000);
    const periodMs = opts.votePeriodMs ?? 60_000;
    // Tick often enough to vote in every period's second half.
    const tickMs = Math.min(opts.flushMs ?? 1000, Math.max(50, Math.floor(periodMs / 4)));
    this.timer = setInterval(() => {
      this.collectVotes();
      void this.flush();
    }, tickMs);
    this.timer.unref();
  }

  add(obs: Observation): void {
    for (const d of observationDatums(obs)) this.queue.push(d);
  }

  /** Queues this period's vote for every edge with a known state, once per period, from mid-period on. */
  collectVotes(): void {
    if (!this.opts.voteOf) return;
    const periodMs = this.opts.votePeriodMs ?? 60_000;
    const t = (this.opts.now ?? Date.now)();
    const period = Math.floor(t / periodMs);
    if (t - period * periodMs < periodMs / 2) return;
    for (const [edge, state] of this.opts.voteOf()) {
      if (state === 'unknown' || this.voted.get(edge) === period) continue;
      this.voted.set(edge, period);
      this.queue.push(voteDatum(edge, state === 'down', period * periodMs, periodMs));
    }
  }

  /** Sends everything buffered now; resolves true if every request succeeded. Flushes never overlap. */
  flush(): Promise<boolean> {
    this.flushing = this.flushing.then(() => this.sendAll());
    return this.flushing;
  }

  /** Final flush, then releases the client. */
  async close(): Promise<boolean> {
    clearInterval(this.timer);
    const ok = await this.flush();
    if (this.ownsClient) this.client.destroy();
    return ok;
  }

  stats(): CloudWatchStats {
    return {
      namespace: this.namespace,
      awsRegion: this.opts.awsRegion,
      sent: this.counters.sent,
      requests: this.counters.requests,
      errors: this.counters.errors,
      dropped: this.queue.dropped + this.counters.refused,
      buffered: this.queue.length,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private async sendAll(): Promise<boolean> {
    let ok = true;
    while (this.queue.length > 0) {
      const taken = this.queue.take(PUT_METRIC_DATA_LIMITS.maxDatums);
      const batch = chunkDatums(taken, this.namespace)[0];
      if (!batch) break;
      // Over the byte budget the chunker cuts the batch short; the rest goes back in front.
      if (batch.length < taken.length) this.queue.unshiftAll(taken.slice(batch.length));
      try {
        await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }));
        this.counters.sent += batch.length;
        this.counters.requests++;
      } catch (err) {
        ok = false;
        this.counters.errors++;
        const e = err as Error & { $fault?: string; $retryable?: unknown; name: string };
        this.lastError = `${e.name}: ${e.message}`;
        const permanent = e.$fault === 'client' && !/Throttl|LimitExceeded|TooManyRequests/i.test(e.name);
        this.errorLog.maybe((suppressed) =>
          this.opts.logger.warn({ event: 'cloudwatch.error', namespace: this.namespace, datums: batch.length, permanent, suppressed, err: this.lastError }, permanent ? 'CloudWatch refused metric data; dropping the batch' : 'PutMetricData failed; will retry on the next flush'),
        );
        if (permanent) this.counters.refused += batch.length;
        else this.queue.unshiftAll(batch);
        break;
      }
    }
    return ok;
  }
}
