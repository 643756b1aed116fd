/**
 * Batches observations into Reports and hands each report to every sink.
 * A batch closes when it reaches `batchMax` observations or `flushMs` after
 * its first observation, whichever comes first.
 *
 * seq is strictly increasing per probe and survives restarts without any
 * state on disk: each report takes max(previous + 1, wall-clock ms), so a
 * restarted probe starts above anything it sent before (unless it used to
 * send more than one report per millisecond, which batching prevents).
 */
import type { Observation, Report } from '@edgesteer/core';

/** Anything that accepts finished reports (an HTTP sink, a test collector). */
export interface ReportSinkLike {
  enqueue(report: Report): void;
}

export interface ReporterOptions {
  probeId: string;
  region: string;
  sinks: readonly ReportSinkLike[];
  /** Observations per report at most; default 500 (the schema allows 10,000). */
  batchMax?: number;
  /** Longest an observation waits for its batch to close; default 200 ms. */
  flushMs?: number;
  /** Wall clock, epoch ms. */
  now?: () => number;
}

export class Reporter {
  private batch: Observation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSeq = -1;
  private reports = 0;
  private readonly batchMax: number;
  private readonly flushMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ReporterOptions) {
    this.batchMax = Math.min(opts.batchMax ?? 500, 10_000);
    this.flushMs = opts.flushMs ?? 200;
    this.now = opts.now ?? Date.now;
  }

  add(obs: Observation): void {
    if (this.opts.sinks.length === 0) return;
    this.batch.push(obs);
    if (this.batch.length >= this.batchMax) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Closes the current batch now; returns the report sent, if there was anything to send. */
  flush(): Report | undefined {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return undefined;
    const now = Math.trunc(this.now());
    this.lastSeq = Math.max(this.lastSeq + 1, now);
    const report: Report = { probe: this.opts.probeId, region: this.opts.region, seq: this.lastSeq, sentAt: now, observations: this.batch };
    this.batch = [];
    this.reports++;
    for (const sink of this.opts.sinks) sink.enqueue(report);
    return report;
  }

  stats(): { reports: number; lastSeq: number | undefined; pending: number } {
    return { reports: this.reports, lastSeq: this.lastSeq < 0 ? undefined : this.lastSeq, pending: this.batch.length };
  }
}
