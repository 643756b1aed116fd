/**
 * POST /v1/observations, minus routing: http-kit's receiveReport (headers
 * and key id before the body, upload cap, size limit, signature, schema and
 * the key's region binding), then replay per key id, then the controller.
 * Every refusal leaves the decision state, the replay memory and the table
 * as they were; each is counted by reason and logged.
 */
import { ReplayGuard, replayRefusal, type ProbeKeys, type Report, type ReportProblem } from '@edgesteer/core';
import { receiveReport, UploadSlots, withStatus, type ReportHttpRefusal, type RequestLike } from '@edgesteer/http-kit';
import type { Controller, IngestResult } from './controller.js';
import type { ControllerMetrics, RejectReason } from './metrics.js';

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
  /** Body limit (bytes). */
  maxBytes: number;
  /** Report uploads read at once; default http-kit's. */
  maxConcurrentUploads?: number;
}

/** Authenticates and ingests reports (see module doc). */
export class ReportIntake {
  private readonly guard: ReplayGuard;
  private readonly slots: UploadSlots;
  /** Accepted reports waiting for the batch of this event-loop turn. */
  private pending: Array<{ report: Report; signedAt: number; resolve: (r: IngestResult) => void }> = [];

  constructor(private readonly opts: ReportIntakeOptions) {
    this.guard = new ReplayGuard(opts.windowMs === undefined ? {} : { windowMs: opts.windowMs });
    this.slots = new UploadSlots(opts.maxConcurrentUploads);
    // Re-arm replay protection after a restart with the sequence numbers the saved state accepted.
    const now = opts.controller.clock();
    for (const [probe, p] of Object.entries(opts.controller.probes)) this.guard.check(probe, p.seq, p.signedAt, now);
  }

  /** Processes one report request. */
  async submit(req: RequestLike): Promise<IntakeResult> {
    const { controller, keys } = this.opts;
    const now = controller.clock();
    const got = await receiveReport(req, { keys, now, windowMs: this.opts.windowMs, maxBytes: this.opts.maxBytes, policy: controller.policy, slots: this.slots });
    if (!got.ok) return this.reject(got);
    const { report, signedAt } = got;
    // Replay last (per key id: report.probe is the verified key id), so a refused report never consumes a sequence number.
    const fresh = this.guard.check(report.probe, report.seq, signedAt, now);
    if (!fresh.ok) return this.reject(withStatus(replayRefusal(fresh.message)));
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

  private reject(r: ReportHttpRefusal): IntakeResult {
    const { status, code, reason, message } = r;
    this.opts.metrics?.reportsRejected.inc({ reason });
    this.opts.controller.log.warn({ event: 'report_rejected', status, code, reason, detail: message }, `report rejected: ${message}`);
    return { ok: false, status, code, reason, message, ...(r.problems ? { problems: r.problems } : {}) };
  }
}
