/**
 * POST /v1/observations on the DNS server's HTTP listener: the same intake
 * as the controller's and the Worker's — core's checkReport (signature,
 * window, schema, region rules; same status codes, error codes and
 * reasons), a ReplayGuard run last, http-kit's bounded body read — feeding
 * the server's own LocalDecider. Every refusal leaves the decision state,
 * the replay memory and the table as they were.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { checkReport, ReplayGuard, replayRefusal, type HeaderSource, type ReportRefusal, type ReportRejectReason } from '@edgesteer/core';
import { errorBody, readBodyLimited, type RequestLike } from '@edgesteer/http-kit';
import type { Logger } from 'pino';
import type { LocalDecider, SubmitResult } from './local-decider.js';

/** Default request body limit (the controller's). */
export const DEFAULT_MAX_REPORT_BYTES = 1024 * 1024;

/** Probe id → accepted secrets (key rotation: several). */
export type ProbeKeyMap = ReadonlyMap<string, readonly string[]>;

export type IntakeOutcome = { ok: true; status: 200; result: SubmitResult } | ({ ok: false } & ReportRefusal);

export interface DnsReportIntakeOptions {
  decider: LocalDecider;
  keys: ProbeKeyMap;
  clock: () => number;
  log: Logger;
  /** Accepted signer clock difference; default core's (300 s). */
  windowMs?: number;
  maxBodyBytes?: number;
}

/** See module doc. */
export class DnsReportIntake {
  private readonly guard: ReplayGuard;
  /** Refused reports by reason. */
  readonly rejected: Partial<Record<ReportRejectReason, number>> = {};
  accepted = 0;
  /** Receive time of the last accepted report. */
  lastReportAt: number | null = null;

  constructor(private readonly opts: DnsReportIntakeOptions) {
    this.guard = new ReplayGuard(opts.windowMs === undefined ? {} : { windowMs: opts.windowMs });
    // Re-arm replay protection with what the saved state accepted.
    const now = opts.clock();
    for (const [probe, p] of Object.entries(opts.decider.probes)) this.guard.check(probe, p.seq, p.signedAt, now);
  }

  /** Authenticates one raw report and hands it to the decider. */
  async submit(headers: HeaderSource, body: string): Promise<IntakeOutcome> {
    const { decider, keys } = this.opts;
    const now = this.opts.clock();
    const checked = await checkReport({ headers, body, now, keys: (id) => keys.get(id), policy: decider.policy, ...(this.opts.windowMs === undefined ? {} : { windowMs: this.opts.windowMs }) });
    if (!checked.ok) return this.reject(checked);
    const fresh = this.guard.check(checked.report.probe, checked.report.seq, checked.signedAt, now);
    if (!fresh.ok) return this.reject(replayRefusal(fresh.message));
    this.accepted++;
    this.lastReportAt = now;
    return { ok: true, status: 200, result: await decider.submit(checked.report, checked.signedAt) };
  }

  /** Serves POST /v1/observations on node:http. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_REPORT_BYTES;
    const webReq: RequestLike = {
      headers: { get: (n: string) => headerOf(req, n) },
      body: Readable.toWeb(req) as unknown as RequestLike['body'],
    };
    const body = await readBodyLimited(webReq, max);
    if (!body.ok) {
      this.count('too_large');
      this.opts.log.warn({ event: 'report_rejected', status: 413, code: 'E_BODY_TOO_LARGE', reason: 'too_large', size: body.size }, 'report rejected: body too large');
      req.resume();
      return send(res, 413, errorBody('E_BODY_TOO_LARGE', `report body exceeds ${max} bytes; send fewer observations per report`, { reason: 'too_large' }));
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
    } catch {
      this.count('schema');
      return send(res, 400, errorBody('E_REPORT_SCHEMA', 'report body is not valid UTF-8', { reason: 'schema' }));
    }
    const r = await this.submit(req.headers, text);
    if (r.ok) return send(res, 200, { ok: true, ...r.result });
    return send(res, r.status, errorBody(r.code, r.message, { reason: r.reason, ...(r.problems ? { problems: r.problems } : {}) }));
  }

  private count(reason: ReportRejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  private reject(r: ReportRefusal): IntakeOutcome {
    this.count(r.reason);
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
