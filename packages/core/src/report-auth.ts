/**
 * Signed observation reports: how a probe proves a report is its own, and how
 * a receiver (controller, Worker) checks it.
 *
 * The signature is HMAC-SHA256 over `${timestamp}.${body}` with the probe's
 * key, sent in headers next to the untouched JSON body. Binding the timestamp
 * into the MAC bounds how long a captured request stays usable; the report's
 * `seq` (checked by {@link ReplayGuard}) stops a replay inside that window.
 *
 * Runtime-neutral: only WebCrypto (`globalThis.crypto.subtle`) and
 * TextEncoder, so the same code runs in Node 24 and in workerd.
 */
import { ReportSchema, type Report } from './types.js';
import { toHex, utf8 } from './sha256.js';

/** Header carrying the probe id (the key id). */
export const PROBE_HEADER = 'x-edgesteer-probe';
/** Header carrying the signing time, Unix epoch milliseconds. */
export const TIMESTAMP_HEADER = 'x-edgesteer-timestamp';
/** Header carrying `v1=<hex>` (several comma-separated during key rotation). */
export const SIGNATURE_HEADER = 'x-edgesteer-signature';
/** Default accepted clock difference between signer and receiver. */
export const DEFAULT_REPORT_WINDOW_MS = 300_000;

/** A shared secret: UTF-8 text or raw bytes. */
export type ReportKey = string | Uint8Array;

/**
 * Why a report was refused. Stable: receivers map these to HTTP statuses
 * (http-kit's REPORT_REFUSAL_STATUS, via report-intake's reasons) and metrics.
 */
export type ReportAuthCode = 'unsigned' | 'unknown-probe' | 'bad-signature' | 'stale-timestamp' | 'malformed' | 'replay';

export type VerifyResult = { ok: true; report: Report } | { ok: false; code: ReportAuthCode; message: string };

/** What `Headers` offers that we read; structural so core needs no DOM types. */
export interface HeadersLike {
  get(name: string): string | null;
}

/** Headers as either a Web `Headers` or Node's `IncomingHttpHeaders`-like record. */
export type HeaderSource = HeadersLike | Readonly<Record<string, string | string[] | undefined>>;

// Core compiles without DOM or Node typings (it must run in workerd and Node
// alike), so the few WebCrypto members used here are declared structurally.
interface SubtleLike {
  importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'HMAC'; hash: 'SHA-256' }, extractable: false, usages: ['sign']): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (): SubtleLike => (globalThis as unknown as { crypto: { subtle: SubtleLike } }).crypto.subtle;

async function hmacSha256(key: ReportKey, message: string): Promise<Uint8Array> {
  const keyData = typeof key === 'string' ? utf8(key) : new Uint8Array(key);
  const cryptoKey = await subtle().importKey('raw', keyData, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', cryptoKey, utf8(message)));
}

/** HMAC-SHA256 of a UTF-8 message, hex. Exposed for tests and for tools that sign by hand. */
export async function hmacSha256Hex(key: ReportKey, message: string): Promise<string> {
  return toHex(await hmacSha256(key, message));
}

function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Compares two byte strings in time that depends only on their length, so a
 * forger cannot learn a valid MAC byte by byte from response timing.
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Signs a report body. Send the returned headers with the body byte for byte
 * as signed; re-serialising the JSON on the way breaks the signature.
 *
 * @param body the exact request body (JSON of a {@link Report})
 * @param key this probe's secret
 * @param timestamp signing time, Unix epoch ms (sign at send time, also on retries)
 * @param probeId key id; defaults to `report.probe` parsed from the body
 */
export async function signReport(body: string, key: ReportKey, timestamp: number, probeId?: string): Promise<Record<string, string>> {
  const id = probeId ?? probeIdFromBody(body);
  const ts = String(Math.trunc(timestamp));
  const mac = await hmacSha256(key, `${ts}.${body}`);
  return {
    [PROBE_HEADER]: id,
    [TIMESTAMP_HEADER]: ts,
    [SIGNATURE_HEADER]: `v1=${toHex(mac)}`,
  };
}

function probeIdFromBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { probe?: unknown };
    if (typeof parsed.probe === 'string' && parsed.probe.length > 0) return parsed.probe;
  } catch {
    // fall through to the error below
  }
  throw new Error('E_REPORT_SIGN: cannot sign: body has no "probe" field; pass probeId explicitly');
}

/** One header of a {@link HeaderSource}, looked up case-insensitively; repeated values joined with ",". */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as HeadersLike).get === 'function') {
    return (headers as HeadersLike).get(name) ?? undefined;
  }
  const rec = headers as Readonly<Record<string, string | string[] | undefined>>;
  let v = rec[name];
  if (v === undefined) {
    const found = Object.keys(rec).find((k) => k.toLowerCase() === name);
    v = found === undefined ? undefined : rec[found];
  }
  return Array.isArray(v) ? v.join(',') : v;
}

export interface VerifyReportInput {
  headers: HeaderSource;
  /** The raw request body, exactly as received. */
  body: string;
  /** Key lookup by probe id; several keys during a rotation. */
  keys: (probeId: string) => ReportKey | readonly ReportKey[] | undefined;
  /** Receiver's clock, Unix epoch ms. */
  now: number;
  /** Accepted |now - timestamp|; default 300 s. */
  windowMs?: number;
  /** Replay protection; when given, an accepted report's seq is recorded in it. */
  guard?: ReplayGuard;
}

const fail = (code: ReportAuthCode, message: string): VerifyResult => ({ ok: false, code, message });

/** What the headers alone say about a report, before its body is read. */
export type HeadCheck = { ok: true; probe: string; timestamp: number } | { ok: false; code: ReportAuthCode; message: string };

/**
 * The checks that need no body: the three signature headers present, the
 * probe (key id) known, the timestamp decimal epoch ms inside the window,
 * and a `v1=<64 hex>` signature. A receiver runs this before it reads a
 * single body byte, so an unsigned or unknown-key upload costs it nothing
 * (verifyReport repeats them; they are cheap).
 */
export function checkReportHeaders(input: Pick<VerifyReportInput, 'headers' | 'now' | 'windowMs'> & { known: (probeId: string) => boolean }): HeadCheck {
  const windowMs = input.windowMs ?? DEFAULT_REPORT_WINDOW_MS;
  const probe = headerValue(input.headers, PROBE_HEADER);
  const tsText = headerValue(input.headers, TIMESTAMP_HEADER);
  const sigText = headerValue(input.headers, SIGNATURE_HEADER);
  if (!probe || !tsText || !sigText) {
    const missing = [!probe && PROBE_HEADER, !tsText && TIMESTAMP_HEADER, !sigText && SIGNATURE_HEADER].filter(Boolean).join(', ');
    return { ok: false, code: 'unsigned', message: `report is not signed: missing header(s) ${missing}` };
  }
  if (!input.known(probe)) return { ok: false, code: 'unknown-probe', message: `no key configured for probe "${probe.slice(0, 128)}"` };
  if (!/^\d{1,16}$/.test(tsText)) return { ok: false, code: 'malformed', message: `${TIMESTAMP_HEADER} must be Unix epoch milliseconds, got "${tsText.slice(0, 32)}"` };
  const ts = Number(tsText);
  if (Math.abs(input.now - ts) > windowMs) {
    return { ok: false, code: 'stale-timestamp', message: `timestamp ${ts} is ${Math.round((input.now - ts) / 1000)} s from the receiver clock (window ±${windowMs / 1000} s); check the probe's clock` };
  }
  if (!sigText.split(',').some((x) => /^v1=[0-9a-fA-F]{64}$/.test(x.trim()))) return { ok: false, code: 'bad-signature', message: `${SIGNATURE_HEADER} has no v1=<64 hex> signature` };
  return { ok: true, probe, timestamp: ts };
}

/**
 * Checks a signed report: headers present, probe known, MAC valid (constant
 * time), timestamp inside the window, body a valid {@link Report} of that
 * probe, and (with a guard) seq newer than any accepted before.
 */
export async function verifyReport(input: VerifyReportInput): Promise<VerifyResult> {
  const windowMs = input.windowMs ?? DEFAULT_REPORT_WINDOW_MS;
  const probe = headerValue(input.headers, PROBE_HEADER);
  const tsText = headerValue(input.headers, TIMESTAMP_HEADER);
  const sigText = headerValue(input.headers, SIGNATURE_HEADER);
  if (!probe || !tsText || !sigText) {
    const missing = [!probe && PROBE_HEADER, !tsText && TIMESTAMP_HEADER, !sigText && SIGNATURE_HEADER].filter(Boolean).join(', ');
    return fail('unsigned', `report is not signed: missing header(s) ${missing}`);
  }
  const found = input.keys(probe);
  const keys = found === undefined ? [] : typeof found === 'string' || found instanceof Uint8Array ? [found] : [...found];
  if (keys.length === 0) return fail('unknown-probe', `no key configured for probe "${probe}"`);
  if (!/^\d{1,16}$/.test(tsText)) return fail('malformed', `${TIMESTAMP_HEADER} must be Unix epoch milliseconds, got "${tsText.slice(0, 32)}"`);

  const given = sigText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => fromHex(s.slice(3)))
    .filter((b): b is Uint8Array => b !== undefined && b.length === 32);
  if (given.length === 0) return fail('bad-signature', `${SIGNATURE_HEADER} has no v1=<64 hex> signature`);
  let matched = false;
  for (const key of keys) {
    const expected = await hmacSha256(key, `${tsText}.${input.body}`);
    // Check every candidate (no early exit) so timing does not reveal which key or signature matched.
    for (const g of given) if (timingSafeEqualBytes(expected, g)) matched = true;
  }
  if (!matched) return fail('bad-signature', `signature does not match the body for probe "${probe}"`);

  const ts = Number(tsText);
  if (Math.abs(input.now - ts) > windowMs) {
    return fail('stale-timestamp', `timestamp ${ts} is ${Math.round((input.now - ts) / 1000)} s from the receiver clock (window ±${windowMs / 1000} s); check the probe's clock`);
  }

  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch (err) {
    return fail('malformed', `body is not JSON: ${(err as Error).message}`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return fail('malformed', `body is not a valid report: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
  }
  const report = parsed.data;
  if (report.probe !== probe) return fail('malformed', `report.probe "${report.probe}" does not match ${PROBE_HEADER} "${probe}"`);

  if (input.guard) {
    const g = input.guard.check(probe, report.seq, ts, input.now);
    if (!g.ok) return fail('replay', g.message);
  }
  return { ok: true, report };
}

export interface ReplayGuardOptions {
  /** Same window as verifyReport's; entries older than it are forgotten. Default 300 s. */
  windowMs?: number;
  /** Hard cap on remembered probes; the least recently seen is forgotten first. Default 10,000. */
  maxProbes?: number;
}

interface GuardEntry {
  seq: number;
  /** Newest accepted signing timestamp; the entry may be forgotten once it is outside the window. */
  maxTs: number;
}

/**
 * Remembers, per probe, the highest `seq` accepted. A report is accepted only
 * if its seq is higher. Memory is bounded: a probe's entry is only needed while
 * one of its signatures could still pass the timestamp window, so entries
 * older than the window are dropped, and a hard cap evicts the least recently
 * seen. Pure: the clock is passed in.
 */
export class ReplayGuard {
  readonly windowMs: number;
  readonly maxProbes: number;
  // Map keeps insertion order; re-inserting on every accept makes it an LRU.
  private readonly entries = new Map<string, GuardEntry>();

  constructor(opts: ReplayGuardOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_REPORT_WINDOW_MS;
    this.maxProbes = opts.maxProbes ?? 10_000;
  }

  /** Checks and, when accepted, records (probe, seq). */
  check(probe: string, seq: number, timestamp: number, now: number): { ok: true } | { ok: false; message: string } {
    this.prune(now);
    const prev = this.entries.get(probe);
    if (prev && seq <= prev.seq) {
      return { ok: false, message: `replayed or out-of-order report: seq ${seq} from probe "${probe}" is not above ${prev.seq}` };
    }
    this.entries.delete(probe);
    this.entries.set(probe, { seq, maxTs: Math.max(timestamp, prev?.maxTs ?? timestamp) });
    while (this.entries.size > this.maxProbes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return { ok: true };
  }

  /** Highest accepted seq of a probe (for stats and tests). */
  lastSeq(probe: string): number | undefined {
    return this.entries.get(probe)?.seq;
  }

  /** Number of probes remembered. */
  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    // Oldest-accepted first; stop at the first live entry so a check costs O(1)
    // amortised. A skewed entry may shield a few expired ones behind it for a
    // while; they are harmless and the cap still bounds memory.
    for (const [probe, e] of this.entries) {
      // A signature dated maxTs is refused by the window after maxTs + windowMs.
      if (e.maxTs + this.windowMs >= now) break;
      this.entries.delete(probe);
    }
  }
}
