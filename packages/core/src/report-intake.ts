/**
 * The receiving side of POST /v1/observations, minus HTTP and storage: what
 * every receiver (controller, Worker, the DNS server's intake) does with a
 * raw signed report before it may touch the decision state. One place, so a
 * probe gets the same error code and reason from any of them. HTTP statuses
 * are the receivers' (http-kit's REPORT_REFUSAL_STATUS maps each reason).
 *
 * A probe key speaks for one region: a report for any other region is
 * refused (`region_forbidden`), so one stolen key cannot fake a
 * cross-region quorum. Replay (`seq`) is tracked per key id and left to the
 * receiver (an in-memory guard on the controller, compare-and-set state on
 * the Worker): it must run last, after every other check, so a refused
 * report never consumes a sequence number.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import { checkReportHeaders, headerValue, TIMESTAMP_HEADER, verifyReport, type ReportAuthCode, type VerifyReportInput } from './report-auth.js';
import { MAX_OBSERVATION_LEAD_MS, ReportSchema, type Report } from './types.js';

/**
 * A probe's key as receivers hold it: the one region it may report for and
 * its secrets (oldest first; two during a rotation window, a probe signs
 * with the last).
 */
export interface ProbeKey {
  region: string;
  secrets: readonly string[];
}

/** Key id (= probe id) → its key. */
export type ProbeKeys = ReadonlyMap<string, ProbeKey>;

/**
 * Error codes of report intake. Stable: receivers answer with them in
 * `{ "ok": false, "error": { "code", "message", "reason", ... } }`.
 */
export const REPORT_INTAKE_ERRORS = {
  /** Request body larger than the configured limit. */
  E_BODY_TOO_LARGE: 'E_BODY_TOO_LARGE',
  /** Report without the signature headers. */
  E_AUTH_MISSING: 'E_AUTH_MISSING',
  /** Signature headers present but the report did not verify (unknown probe, bad MAC, clock skew). */
  E_AUTH_INVALID: 'E_AUTH_INVALID',
  /** Report already seen (same or older sequence number). */
  E_REPORT_REPLAY: 'E_REPORT_REPLAY',
  /** Body is not JSON or does not match the report schema. */
  E_REPORT_SCHEMA: 'E_REPORT_SCHEMA',
  /** Report's region is not a region of the current policy. */
  E_REPORT_UNKNOWN_REGION: 'E_REPORT_UNKNOWN_REGION',
  /** An observation claims a different region than the report carrying it. */
  E_REPORT_REGION_MISMATCH: 'E_REPORT_REGION_MISMATCH',
  /** The report speaks for a region its key is not bound to. */
  E_REPORT_REGION_FORBIDDEN: 'E_REPORT_REGION_FORBIDDEN',
  /** Too many uploads in flight; retry later. */
  E_BUSY: 'E_BUSY',
} as const;
export type ReportIntakeErrorCode = keyof typeof REPORT_INTAKE_ERRORS;

/** Why a report was refused: the `reason` field and metric label of every receiver (a closed set). */
export type ReportRejectReason =
  | 'too_large'
  | 'unsigned'
  | 'bad_signature'
  | 'unknown_probe'
  | 'stale_timestamp'
  | 'replay'
  | 'schema'
  | 'unknown_region'
  | 'region_mismatch'
  | 'region_forbidden'
  | 'busy';

/** Every reject reason, for metrics that pre-register their label values. */
export const REPORT_REJECT_REASONS: readonly ReportRejectReason[] = [
  'too_large',
  'unsigned',
  'bad_signature',
  'unknown_probe',
  'stale_timestamp',
  'replay',
  'schema',
  'unknown_region',
  'region_mismatch',
  'region_forbidden',
  'busy',
];

/** One schema problem of a refused report. */
export interface ReportProblem {
  path: string;
  message: string;
}

/** A refused report: what to answer and what to count. */
export interface ReportRefusal {
  code: ReportIntakeErrorCode;
  reason: ReportRejectReason;
  message: string;
  /** Every schema problem, when the body is not a valid report. */
  problems?: ReportProblem[];
}

export type ReportCheck = { ok: true; report: Report; signedAt: number } | ({ ok: false } & ReportRefusal);

const AUTH_REFUSAL: Readonly<Record<ReportAuthCode, { code: ReportIntakeErrorCode; reason: ReportRejectReason }>> = {
  unsigned: { code: 'E_AUTH_MISSING', reason: 'unsigned' },
  'unknown-probe': { code: 'E_AUTH_INVALID', reason: 'unknown_probe' },
  'bad-signature': { code: 'E_AUTH_INVALID', reason: 'bad_signature' },
  'stale-timestamp': { code: 'E_AUTH_INVALID', reason: 'stale_timestamp' },
  malformed: { code: 'E_REPORT_SCHEMA', reason: 'schema' },
  replay: { code: 'E_REPORT_REPLAY', reason: 'replay' },
};

/** The refusal for a report-auth failure code (error code and reason). */
export function authRefusal(code: ReportAuthCode, message: string): ReportRefusal {
  return { ...AUTH_REFUSAL[code], message };
}

/** The refusal of a replayed report, with the replay check's message. */
export function replayRefusal(message: string): ReportRefusal {
  return authRefusal('replay', message);
}

export interface CheckReportInput extends Omit<VerifyReportInput, 'guard' | 'keys'> {
  /** Key lookup by key id (the probe header). */
  keys: (probeId: string) => ProbeKey | undefined;
  /** The current policy (its region ids); a report must speak for one of its regions. */
  policy: { readonly regions: readonly Pick<Policy['regions'][number], 'id'>[] };
}

/** Result of {@link checkReportHead}: the key id and its key when the headers pass. */
export type ReportHeadCheck = { ok: true; probe: string; key: ProbeKey } | ({ ok: false } & ReportRefusal);

/**
 * The checks a receiver runs before reading the body (see
 * report-auth's checkReportHeaders): signed, key id known, timestamp in
 * the window.
 */
export function checkReportHead(input: Omit<CheckReportInput, 'body' | 'policy'>): ReportHeadCheck {
  const head = checkReportHeaders({ headers: input.headers, now: input.now, known: (id) => input.keys(id) !== undefined, ...(input.windowMs === undefined ? {} : { windowMs: input.windowMs }) });
  if (!head.ok) return { ok: false, ...authRefusal(head.code, head.message) };
  return { ok: true, probe: head.probe, key: input.keys(head.probe)! };
}

/**
 * Every check of a raw report except replay: signature (core's
 * verifyReport), schema, and the region rules (a report speaks for its
 * key's region, which must be a policy region, and every observation for
 * that region). On success also returns the signing time the receiver
 * hands to its replay check.
 */
export async function checkReport(input: CheckReportInput): Promise<ReportCheck> {
  const { policy, keys, ...verifyInput } = input;
  const verified = await verifyReport({ ...verifyInput, keys: (id) => keys(id)?.secrets });
  if (!verified.ok) {
    const refusal = authRefusal(verified.code, verified.message);
    return { ok: false, ...refusal, ...(verified.code === 'malformed' ? { problems: reportSchemaProblems(input.body) } : {}) };
  }
  const report = verified.report;
  // verifyReport accepted the header as decimal epoch ms inside the window.
  const signedAt = Number(headerValue(input.headers, TIMESTAMP_HEADER));
  // A probe signs at send time (also on retries), after it assembled the report: sentAt cannot be later.
  if (report.sentAt > signedAt + MAX_OBSERVATION_LEAD_MS) {
    const message = `sentAt ${report.sentAt} is after the signing time ${signedAt} (+${MAX_OBSERVATION_LEAD_MS / 1000} s); check the probe's clock`;
    return { ok: false, code: 'E_REPORT_SCHEMA', reason: 'schema', message, problems: [{ path: 'sentAt', message }] };
  }
  const bound = keys(report.probe)!.region;
  if (report.region !== bound) {
    const message = `probe key "${report.probe}" is bound to region "${bound}" and cannot report for "${report.region}"`;
    return { ok: false, code: 'E_REPORT_REGION_FORBIDDEN', reason: 'region_forbidden', message };
  }
  if (!policy.regions.some((r) => r.id === report.region)) {
    const message = `region "${report.region}" is not in the policy (regions: ${policy.regions.map((r) => r.id).join(', ')})`;
    return { ok: false, code: 'E_REPORT_UNKNOWN_REGION', reason: 'unknown_region', message };
  }
  const stray = report.observations.findIndex((o) => o.probeRegion !== report.region);
  if (stray >= 0) {
    const message = `observations[${stray}].probeRegion "${report.observations[stray]?.probeRegion}" differs from the report's region "${report.region}"`;
    return { ok: false, code: 'E_REPORT_REGION_MISMATCH', reason: 'region_mismatch', message };
  }
  return { ok: true, report, signedAt };
}

/** Every zod problem (at most 50) of a body that failed the report schema; one entry if it is not even JSON. */
export function reportSchemaProblems(body: string): ReportProblem[] {
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
