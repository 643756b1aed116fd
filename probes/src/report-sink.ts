/**
 * One `--report-to` destination. Reports wait in a bounded buffer and go out
 * oldest first, each signed at send time (a report buffered through an
 * outage still gets a fresh timestamp). A backlog goes out as ONE report
 * (observations of the buffered reports merged, the newest seq), so the
 * receiver ingests it as a whole and decides once instead of replaying
 * history table by table. Failures back off exponentially with jitter, up
 * to `backoff.maxMs` (the probe sets it to its check interval, so a
 * receiver that comes back gets fresh data within two intervals); the
 * backoff starts over after each delivery. When the buffer is full the
 * oldest report is dropped and counted. Checking never waits for any of
 * this: `enqueue` returns at once.
 *
 * Receiver contract (controller and Worker, see REPORT_AUTH_HTTP_STATUS):
 * 2xx delivered; 400/401/403/413/422 refused for good → dropped and counted
 * as rejected; anything else, or no answer → retried. 409 (replay) means the
 * receiver already has this seq or a higher one: on a retry that is our own
 * earlier attempt whose answer got lost → delivered; on a first attempt it
 * means the receiver is ahead of us (another probe with the same id, or this
 * host's clock went backwards) → rejected, and logged as such.
 */
import { signReport, type Report, type ReportKey } from '@edgesteer/core';
import type { Logger } from 'pino';
import { BoundedQueue } from './bounded-queue.js';
import { randomSeeded, type Random } from './jitter.js';
import { RateLimitedLog } from './logger.js';
import { PROBE_USER_AGENT } from './checks/run-check.js';

export interface ReportSinkOptions {
  /** Full URL reports are POSTed to, e.g. http://127.0.0.1:8080/v1/observations. */
  url: string;
  probeId: string;
  key: ReportKey;
  logger: Logger;
  /** Reports kept while the sink is down; default 1000. */
  maxBuffered?: number;
  /** Backoff between attempts: base doubles per failure up to max; default 250 ms → 15 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Per-request deadline; default 5 s. */
  requestTimeoutMs?: number;
  /** Attempts per report before giving up on it; default unlimited (buffer bounds memory). */
  maxAttempts?: number;
  random?: Random;
  /** Wall clock for signing (epoch ms). */
  now?: () => number;
}

export interface ReportSinkStats {
  url: string;
  /** Reports delivered (2xx, or 409 for an already-delivered one). */
  sent: number;
  /** Reports dropped because the buffer was full (oldest first). */
  dropped: number;
  droppedObservations: number;
  /** Reports the receiver refused for good (bad key, malformed). */
  rejected: number;
  /** Reports given up on after maxAttempts. */
  failed: number;
  /** Failed attempts (each one backed off and retried). */
  errors: number;
  /** Reports waiting now. */
  buffered: number;
  lastError?: string;
  /** seq of the last delivered report. */
  lastSeq?: number;
}

interface Pending {
  seq: number;
  observations: number;
  body: string;
  report: Report;
  attempts: number;
}

/** Most observations merged into one backlog report (the report schema's cap). */
const MAX_MERGED_OBSERVATIONS = 10_000;
/** Largest merged body; receivers accept 1 MiB by default. */
const MAX_MERGED_BYTES = 512 * 1024;

const PERMANENT_STATUSES = new Set([400, 401, 403, 413, 422]);

type SendResult = { kind: 'delivered' } | { kind: 'rejected'; message: string } | { kind: 'retry'; message: string };

export class HttpReportSink {
  readonly url: string;
  private readonly queue: BoundedQueue<Pending>;
  private readonly random: Random;
  private readonly now: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly closer = new AbortController();
  private readonly errorLog = new RateLimitedLog();
  private readonly dropLog = new RateLimitedLog();
  private pumping = false;
  private idleWaiters: Array<() => void> = [];
  private counters = { sent: 0, droppedObservations: 0, rejected: 0, failed: 0, errors: 0 };
  private lastError: string | undefined;
  private lastSeq: number | undefined;

  constructor(private readonly opts: ReportSinkOptions) {
    this.url = opts.url;
    this.random = opts.random ?? randomSeeded();
    this.now = opts.now ?? Date.now;
    this.baseMs = opts.backoff?.baseMs ?? 250;
    this.maxMs = opts.backoff?.maxMs ?? 15_000;
    this.queue = new BoundedQueue<Pending>(opts.maxBuffered ?? 1000, (p) => {
      this.counters.droppedObservations += p.observations;
      this.dropLog.maybe((suppressed) =>
        this.opts.logger.warn({ event: 'sink.drop', sink: this.url, seq: p.seq, dropped: this.queue.dropped, suppressed }, 'report buffer full: dropped the oldest report'),
      );
    });
  }

  /** Queues a report for delivery and returns at once. */
  enqueue(report: Report): void {
    if (this.closer.signal.aborted) return;
    this.queue.push({ seq: report.seq, observations: report.observations.length, body: JSON.stringify(report), report, attempts: 0 });
    void this.pump();
  }

  /** Resolves once every queued report is delivered, refused or given up on (or the sink is closed). */
  idle(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending; in-flight requests are aborted and buffered reports discarded. */
  close(): void {
    this.closer.abort();
    this.wakeIdle();
  }

  stats(): ReportSinkStats {
    return {
      url: this.url,
      ...this.counters,
      dropped: this.queue.dropped,
      buffered: this.queue.length,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.lastSeq !== undefined ? { lastSeq: this.lastSeq } : {}),
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closer.signal.aborted) break;
        const head = this.queue.peek();
        if (!head) break;
        const { item, parts } = this.backlog(head);
        const result = await this.send(item);
        if (this.closer.signal.aborted) break;
        if (result.kind === 'retry') {
          item.attempts++;
          head.attempts = item.attempts;
          this.counters.errors++;
          this.lastError = result.message;
          this.errorLog.maybe((suppressed) =>
            this.opts.logger.warn({ event: 'sink.error', sink: this.url, seq: item.seq, attempts: item.attempts, buffered: this.queue.length, suppressed, err: result.message }, 'report delivery failed; retrying with backoff'),
          );
          if (item.attempts < (this.opts.maxAttempts ?? Infinity)) {
            await this.sleep(this.backoffMs(item.attempts));
            continue;
          }
          this.counters.failed++;
        } else if (result.kind === 'rejected') {
          this.counters.rejected++;
          this.lastError = result.message;
          this.opts.logger.error({ event: 'sink.rejected', sink: this.url, seq: item.seq, err: result.message }, 'receiver refused the report; dropping it (check the probe key and clock)');
        } else {
          this.counters.sent += parts.size;
          this.lastSeq = item.seq;
          if (parts.size > 1) this.opts.logger.info({ event: 'sink.backlog_sent', sink: this.url, reports: parts.size, observations: item.observations, seq: item.seq }, 'buffered reports delivered as one');
        }
        // The buffer may have dropped some of them while in flight; remove only those still at the head.
        while (this.queue.length > 0 && parts.has(this.queue.peek()!)) this.queue.shift();
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0 || this.closer.signal.aborted) this.wakeIdle();
    }
  }

  /** The head report, or the buffered backlog from it on merged into one (see module doc). */
  private backlog(head: Pending): { item: Pending; parts: Set<Pending> } {
    const all = this.queue.length > 1 ? this.queue.toArray() : [head];
    const parts: Pending[] = [head];
    let observations = head.observations;
    let bytes = head.body.length;
    for (let i = 1; i < all.length; i++) {
      const p = all[i]!;
      if (observations + p.observations > MAX_MERGED_OBSERVATIONS || bytes + p.body.length > MAX_MERGED_BYTES) break;
      parts.push(p);
      observations += p.observations;
      bytes += p.body.length;
    }
    if (parts.length === 1) return { item: head, parts: new Set(parts) };
    const last = parts[parts.length - 1]!;
    const report: Report = { ...last.report, observations: parts.flatMap((p) => p.report.observations) };
    return { item: { seq: last.seq, observations, body: JSON.stringify(report), report, attempts: head.attempts }, parts: new Set(parts) };
  }

  private async send(item: Pending): Promise<SendResult> {
    try {
      const signed = await signReport(item.body, this.opts.key, this.now(), this.opts.probeId);
      const signal = AbortSignal.any([this.closer.signal, AbortSignal.timeout(this.opts.requestTimeoutMs ?? 5000)]);
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': PROBE_USER_AGENT, ...signed },
        body: item.body,
        signal,
      });
      const text = (await res.text()).slice(0, 300);
      if (res.ok || (res.status === 409 && item.attempts > 0)) return { kind: 'delivered' };
      const message = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
      if (res.status === 409) {
        return { kind: 'rejected', message: `${message} — the receiver has already seen seq ${item.seq} or higher from probe "${this.opts.probeId}": is another probe using this id, or did the clock go backwards?` };
      }
      return PERMANENT_STATUSES.has(res.status) ? { kind: 'rejected', message } : { kind: 'retry', message };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const cause = e.cause?.code ?? e.cause?.message;
      return { kind: 'retry', message: cause ? `${e.message} (${cause})` : e.message };
    }
  }

  /** Exponential backoff with jitter: half the capped delay fixed, half random. */
  private backoffMs(attempt: number): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(attempt - 1, 30));
    return cap / 2 + this.random() * (cap / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.closer.signal;
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
