/**
 * POST /v1/observations on the DNS server's HTTP listener: the same intake
 * as the controller's and the Worker's — http-kit's receiveReport (signature
 * headers, key id and window before one body byte is read; an upload cap; a
 * bounded body; core's checkReport with the key's region binding; one status
 * table for every receiver), then a ReplayGuard per key id — feeding the
 * server's own LocalDecider. Every refusal leaves the decision state, the
 * replay memory and the table as they were.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ReplayGuard, replayRefusal, type ProbeKeys, type ReportRejectReason } from '@edgesteer/core';
import { errorBody, receiveReport, UploadSlots, withStatus, type ReportHttpRefusal, type RequestLike } from '@edgesteer/http-kit';
import type { Logger } from 'pino';
import type { LocalDecider, SubmitResult } from './local-decider.js';

/** Default request body limit (the controller's). */
export const DEFAULT_MAX_REPORT_BYTES = 1024 * 1024;

export type IntakeOutcome = { ok: true; status: 200; result: SubmitResult } | ({ ok: false } & ReportHttpRefusal);

export interface DnsReportIntakeOptions {
  decider: LocalDecider;
  keys: ProbeKeys;
  clock: () => number;
  log: Logger;
  /** Accepted signer clock difference; default core's (300 s). */
  windowMs?: number;
  maxBodyBytes?: number;
  /** Report uploads read at once; default http-kit's. */
  maxConcurrentUploads?: number;
}

/** See module doc. */
export class DnsReportIntake {
  private readonly guard: ReplayGuard;
  private readonly slots: UploadSlots;
  /** Refused reports by reason. */
  readonly rejected: Partial<Record<ReportRejectReason, number>> = {};
  accepted = 0;
  /** Receive time of the last accepted report. */
  lastReportAt: number | null = null;

  constructor(private readonly opts: DnsReportIntakeOptions) {
    this.guard = new ReplayGuard(opts.windowMs === undefined ? {} : { windowMs: opts.windowMs });
    this.slots = new UploadSlots(opts.maxConcurrentUploads);
    // Re-arm replay protection with what the saved state accepted.
    const now = opts.clock();
    for (const [probe, p] of Object.entries(opts.decider.probes)) this.guard.check(probe, p.seq, p.signedAt, now);
  }

  /** Authenticates one report request and hands it to the decider. */
  async submit(req: RequestLike): Promise<IntakeOutcome> {
    const { decider, keys } = this.opts;
    const now = this.opts.clock();
    const got = await receiveReport(req, {
      keys,
      now,
      windowMs: this.opts.windowMs,
      maxBytes: this.opts.maxBodyBytes ?? DEFAULT_MAX_REPORT_BYTES,
      policy: decider.policy,
      slots: this.slots,
    });
    if (!got.ok) return this.reject(got);
    // Replay last (per verified key id), so a refused report never consumes a sequence number.
    const fresh = this.guard.check(got.report.probe, got.report.seq, got.signedAt, now);
    if (!fresh.ok) return this.reject(withStatus(replayRefusal(fresh.message)));
    this.accepted++;
    this.lastReportAt = now;
    return { ok: true, status: 200, result: await decider.submit(got.report, got.signedAt) };
  }

  /** Serves POST /v1/observations on node:http. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const webReq: RequestLike = {
      headers: { get: (n: string) => headerOf(req, n) },
      body: Readable.toWeb(req) as unknown as RequestLike['body'],
    };
    const r = await this.submit(webReq);
    if (r.ok) return send(res, 200, { ok: true, ...r.result });
    // A refusal may leave the body unread (headers checked first): close rather than drain it.
    res.shouldKeepAlive = false;
    return send(res, r.status, errorBody(r.code, r.message, { reason: r.reason, ...(r.problems ? { problems: r.problems } : {}) }));
  }

  private reject(r: ReportHttpRefusal): IntakeOutcome {
    this.rejected[r.reason] = (this.rejected[r.reason] ?? 0) + 1;
    this.opts.log.warn({ event: 'report_rejected', status: r.status, code: r.code, reason: r.reason, detail: r.message }, `report rejected: ${r.message}`);
    return { ok: false, ...r };
  }
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name.toLowerCase()];
  return v === undefined ? null : Array.isArray(v) ? v.join(',') : v;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
