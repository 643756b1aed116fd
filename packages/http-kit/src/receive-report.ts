/**
 * POST /v1/observations at the HTTP edge, the same on every receiver (the
 * controller, the Worker on workerd and Node, the DNS server's intake), in
 * the order that keeps an attacker's cost above ours:
 *
 * 1. signature headers, key id and timestamp window — before one body byte
 *    is read, so unsigned or unknown-key uploads cost nothing;
 * 2. a cap on uploads in flight (503 + Retry-After beyond it);
 * 3. the body, read up to the size limit (413 past it), strict UTF-8;
 * 4. core's checkReport: MAC, schema (observation times bounded by sentAt),
 *    and the key's region binding.
 *
 * Replay (`seq` per key) stays with the receiver's state and must run after
 * this. Statuses: a probe treats 409 as "already delivered", 4xx as
 * permanent and 503 as retryable, so every receiver answers with this table.
 */
import { checkReport, checkReportHead, type ProbeKeys, type ReportCheck, type ReportRefusal, type ReportRejectReason } from '@edgesteer/core';
import { readBodyLimited, type RequestLike } from './body.js';

/** HTTP status of each refusal reason; one table for every receiver. */
export const REPORT_REFUSAL_STATUS: Readonly<Record<ReportRejectReason, number>> = {
  too_large: 413,
  unsigned: 401,
  unknown_probe: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  schema: 400,
  unknown_region: 400,
  region_mismatch: 400,
  region_forbidden: 403,
  replay: 409,
  busy: 503,
};

/** Default cap on report uploads being read at once. */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 16;

/** Counts uploads in flight; one per receiver. */
export class UploadSlots {
  private inFlight = 0;
  constructor(readonly max: number = DEFAULT_MAX_CONCURRENT_UPLOADS) {}
  /** Takes a slot, or returns false when all are taken. */
  tryTake(): boolean {
    if (this.inFlight >= this.max) return false;
    this.inFlight++;
    return true;
  }
  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }
  get used(): number {
    return this.inFlight;
  }
}

export interface ReceiveReportOptions {
  keys: ProbeKeys;
  /** The receiver's clock now (epoch ms). */
  now: number;
  /** Accepted |now − signing time|; default core's. */
  windowMs?: number | undefined;
  maxBytes: number;
  /** The current policy (its region ids). */
  policy: { readonly regions: readonly { readonly id: string }[] };
  slots: UploadSlots;
}

/** A refusal with its HTTP status. */
export type ReportHttpRefusal = ReportRefusal & { status: number };

export type ReceivedReport = Extract<ReportCheck, { ok: true }> | ({ ok: false } & ReportHttpRefusal);

/** The refusal with its status from {@link REPORT_REFUSAL_STATUS}. */
export function withStatus(r: ReportRefusal): ReportHttpRefusal {
  return { ...r, status: REPORT_REFUSAL_STATUS[r.reason] };
}

const refuse = (r: ReportRefusal): ReceivedReport => ({ ok: false, ...withStatus(r) });

/** Steps 1–4 of the module doc for one request. */
export async function receiveReport(req: RequestLike, opts: ReceiveReportOptions): Promise<ReceivedReport> {
  const keys = (id: string) => opts.keys.get(id);
  const window = opts.windowMs === undefined ? {} : { windowMs: opts.windowMs };
  const head = checkReportHead({ headers: req.headers, keys, now: opts.now, ...window });
  if (!head.ok) return refuse(head);
  if (!opts.slots.tryTake()) {
    return refuse({ code: 'E_BUSY', reason: 'busy', message: `${opts.slots.max} report uploads are already being read; retry shortly` });
  }
  try {
    const body = await readBodyLimited(req, opts.maxBytes);
    if (!body.ok) return refuse({ code: 'E_BODY_TOO_LARGE', reason: 'too_large', message: `report body exceeds ${opts.maxBytes} bytes; send fewer observations per report` });
    let text: string;
    try {
      text = strictUtf8(body.bytes);
    } catch {
      return refuse({ code: 'E_REPORT_SCHEMA', reason: 'schema', message: 'report body is not valid UTF-8' });
    }
    const checked = await checkReport({ headers: req.headers, body: text, keys, now: opts.now, policy: opts.policy, ...window });
    return checked.ok ? checked : refuse(checked);
  } finally {
    opts.slots.release();
  }
}

// TextDecoder is a Web standard (workerd, Node) but not in the ES lib this package compiles against.
type Utf8Decoder = { decode(bytes: Uint8Array): string };
const Decoder = (globalThis as unknown as { TextDecoder: new (label: string, opts: { fatal: boolean }) => Utf8Decoder }).TextDecoder;

/** UTF-8 text of `bytes`; throws on invalid sequences (a signed body is exact bytes). */
function strictUtf8(bytes: Uint8Array): string {
  return new Decoder('utf-8', { fatal: true }).decode(bytes);
}
