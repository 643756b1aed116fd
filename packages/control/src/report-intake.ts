/**
 * POST /v1/observations, minus HTTP: authenticate a raw report, check it
 * against the policy, refuse replays, and hand it to the controller. Every
 * refusal leaves the decision state, the replay memory and the table as
 * they were.
 *
 * Status codes (shared with the Worker via core's REPORT_AUTH_HTTP_STATUS):
 * 413 too large; 401 unsigned, unknown probe, bad signature or timestamp
 * outside the window; 400 not a valid report (zod problems listed), region
 * unknown or observation region ≠ report region; 409 replay (seq not above
 * the last accepted one; a probe treats it as "already delivered").
 */
import { REPORT_AUTH_HTTP_STATUS, ReplayGuard, ReportSchema, TIMESTAMP_HEADER, verifyReport, type HeaderSource, type ReportAuthCode } from '@edgesteer/core';
import type { Controller, IngestResult } from './controller.js';
import { CONTROL_ERRORS } from './errors.js';
import type { ControllerMetrics, RejectReason } from './metrics.js';
import type { ProbeKeys } from './probe-keys.js';

/** One schema problem of a refused report. */
export interface ReportProblem {
  path: string;
  message: string;
}

export type IntakeResult =
  | { ok: true; status: 200; result: IngestResult }
  | { ok: false; status: number; code: string; reason: RejectReason; message: string; problems?: ReportProblem[] };

const AUTH_REASON: Record<ReportAuthCode, RejectReason> = {
  unsigned: 'unsigned',
  'unknown-probe': 'unknown_probe',
  'bad-signature': 'bad_signature',
  'stale-timestamp': 'stale_timestamp',
  malformed: 'schema',
  replay: 'replay',
};

const AUTH_CODE: Record<ReportAuthCode, string> = {
  unsigned: CONTROL_ERRORS.E_AUTH_MISSING,
  'unknown-probe': CONTROL_ERRORS.E_AUTH_INVALID,
  'bad-signature': CONTROL_ERRORS.E_AUTH_INVALID,
  'stale-timestamp': CONTROL_ERRORS.E_AUTH_INVALID,
  malformed: CONTROL_ERRORS.E_REPORT_SCHEMA,
  replay: CONTROL_ERRORS.E_REPORT_REPLAY,
};

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
    const verified = await verifyReport({
      headers,
      body,
      keys: (id) => keys.get(id),
      now,
      ...(this.windowMs === undefined ? {} : { windowMs: this.windowMs }),
    });
    if (!verified.ok) {
      const problems = verified.code === 'malformed' ? schemaProblems(body) : undefined;
      return this.reject(REPORT_AUTH_HTTP_STATUS[verified.code], AUTH_CODE[verified.code], AUTH_REASON[verified.code], verified.message, problems);
    }
    const report = verified.report;
    const regions = new Set(controller.policy.regions.map((r) => r.id));
    if (!regions.has(report.region)) {
      return this.reject(400, CONTROL_ERRORS.E_REPORT_UNKNOWN_REGION, 'unknown_region', `region "${report.region}" is not in the policy (regions: ${[...regions].join(', ')})`);
    }
    const stray = report.observations.findIndex((o) => o.probeRegion !== report.region);
    if (stray >= 0) {
      return this.reject(
        400,
        CONTROL_ERRORS.E_REPORT_REGION_MISMATCH,
        'region_mismatch',
        `observations[${stray}].probeRegion "${report.observations[stray]?.probeRegion}" differs from the report's region "${report.region}"`,
      );
    }
    // Replay last, so a refused report never consumes a sequence number.
    const signedAt = Number(headerValue(headers, TIMESTAMP_HEADER));
    const fresh = this.guard.check(report.probe, report.seq, signedAt, now);
    if (!fresh.ok) return this.reject(REPORT_AUTH_HTTP_STATUS.replay, CONTROL_ERRORS.E_REPORT_REPLAY, 'replay', fresh.message);
    return { ok: true, status: 200, result: controller.ingestReport(report, signedAt) };
  }

  private reject(status: number, code: string, reason: RejectReason, message: string, problems?: ReportProblem[]): IntakeResult {
    this.countRejected(reason);
    this.opts.controller.log.warn({ event: 'report_rejected', status, code, reason, detail: message }, `report rejected: ${message}`);
    return { ok: false, status, code, reason, message, ...(problems ? { problems } : {}) };
  }
}

/** Every zod problem of a body that failed the report schema (empty if it is not even JSON). */
function schemaProblems(body: string): ReportProblem[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return [{ path: '(body)', message: `not JSON: ${(err as Error).message}` }];
  }
  const parsed = ReportSchema.safeParse(json);
  if (parsed.success) return [];
  return parsed.error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}
