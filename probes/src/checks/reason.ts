/**
 * Maps what went wrong in a check to one machine-readable reason, so
 * dashboards and `explain` can tell a dead host (refused) from a broken
 * deploy (status) from a certificate problem (tls).
 */
import type { FailureReason } from '@edgesteer/core';

/** A check failure: reason plus a short human detail. */
export interface CheckFailure {
  reason: FailureReason;
  detail: string;
}

/** OpenSSL / Node certificate verification codes (node:tls `err.code`). */
const TLS_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);

/** Observation detail is capped at 256 characters by the report schema. */
export function clip(text: string, max = 256): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Classifies an error thrown by node:net / node:tls / node:http while checking an edge. */
export function classifyError(err: unknown): CheckFailure {
  const e = err as NodeJS.ErrnoException & { library?: string; reason?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e instanceof Error ? e.message : String(err);
  const detail = clip(code && !message.includes(code) ? `${code}: ${message}` : message);
  if (code === 'ECONNREFUSED') return { reason: 'refused', detail };
  if (code === 'ETIMEDOUT') return { reason: 'timeout', detail };
  if (DNS_CODES.has(code)) return { reason: 'dns', detail };
  if (TLS_CERT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || e?.library === 'SSL routines') {
    return { reason: 'tls', detail };
  }
  // Node reports a server that closes without answering as "socket hang up" (ECONNRESET).
  if (RESET_CODES.has(code) || /socket hang up|aborted/i.test(message)) return { reason: 'reset', detail };
  return { reason: 'other', detail };
}
