/**
 * POST /v1/observations, minus HTTP: authenticate a raw report, check it
 * against the policy, refuse replays, and hand it to the controller. Every
 * refusal leaves the decision state, the replay memory and the table as
 * they were.
 *
 * The checks, status codes, error codes and reasons are core's
 * (checkReport, shared with the Worker); this class adds the replay memory,
 * the metrics and the log line.
 */
import { checkReport, ReplayGuard, replayRefusal, type HeaderSource, type Report, type ReportProblem, type ReportRefusal } from '@edgesteer/core';
import type { Controller, IngestResult } from './controller.js';
import type { ControllerMetrics, RejectReason } from './metrics.js';
import type { ProbeKeys } from './probe-keys.js';

export type { ReportProblem };

export type IntakeResult =
  | { ok: true; status: 200; result: IngestResult }
  | { ok: false; status: number; code: string; reason: RejectReason; message: string; problems?: ReportProblem[] };

export interface ReportIntakeOptions {
  controller: Controller;
  keys: ProbeKeys;
  metrics?: ControllerMetrics;
  /** Accepted signer clock difference; default core's (300 s). */
  windowMs?: number;
}

/** Authenticates and ingests reports (see module doc). */
export class ReportIntake {
  private readonly guard: ReplayGuard;
  private readonly windowMs: number | undefined;
  /** Accepted reports waiting for the batch of this event-loop turn. */
  private pending: Array<{ report: Report; signedAt: number; resolve: (r: IngestResult) => void }> = [];

  constructor(private readonly opts: ReportIntakeOptions) {
    this.windowMs = opts.windowMs;
    this.guard = new ReplayGuard(opts.windowMs === undefined ? {} : { windowMs: opts.windowMs });
    // Re-arm replay protection after a restart with the sequence numbers the saved state accepted.
    const now = opts.controller.clock();
    for (const [probe, p] of Object.entries(opts.controller.probes)) this.guard.check(probe, p.seq, p.signedAt, now);
  }

  /** Counts a report refused before it reached the intake (e.g. body too large). */
  countRejected(reason: RejectReason): void {
    this.opts.metrics?.reportsRejected.inc({ reason });
  }

  /** Processes one raw report. */
  async submit(headers: HeaderSource, body: string): Promise<IntakeResult> {
    const { controller, keys } = this.opts;
    const now = controller.clock();
    const checked = await checkReport({
      headers,
      body,
      keys: (id) => keys.get(id),
      now,
      policy: controller.policy,
      ...(this.windowMs === undefined ? {} : { windowMs: this.windowMs }),
    });
    if (!checked.ok) return this.reject(checked);
    const { report, signedAt } = checked;
    // Replay last, so a refused report never consumes a sequence number.
    const fresh = this.guard.check(report.probe, report.seq, signedAt, now);
    if (!fresh.ok) return this.reject(replayRefusal(fresh.message));
    return { ok: true, status: 200, result: await this.batch(report, signedAt) };
  }

  /**
   * Reports accepted in the same event-loop turn (probes delivering their
   * backlogs after an outage) are ingested as one batch and decided once.
   */
  private batch(report: Report, signedAt: number): Promise<IngestResult> {
    return new Promise((resolve) => {
      this.pending.push({ report, signedAt, resolve });
      if (this.pending.length > 1) return;
      setImmediate(() => {
        const batch = this.pending;
        this.pending = [];
        const result = this.opts.controller.ingestReports(batch);
        // Answer once the table this batch produced is published (its state on disk).
        void this.opts.controller.published().then(() => {
          for (const b of batch) b.resolve(result);
        });
      });
    });
  }

  private reject(r: ReportRefusal): IntakeResult {
    const { status, code, reason, message } = r;
    this.countRejected(reason);
    this.opts.controller.log.warn({ event: 'report_rejected', status, code, reason, detail: message }, `report rejected: ${message}`);
    return { ok: false, status, code, reason, message, ...(r.problems ? { problems: r.problems } : {}) };
  }
}
