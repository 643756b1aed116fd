import type { LookupFunction } from 'node:net';
import type { CheckFailure } from './reason.js';

/** What a check concluded, before timings and identity turn it into an Observation. */
export type CheckOutcome = { ok: true; detail?: string } | ({ ok: false } & CheckFailure);

/** Everything a check needs besides the target. */
export interface CheckContext {
  /** Aborted at the check's deadline: every socket of the check must close then. */
  signal: AbortSignal;
  /** Name resolution (defaults to dns.lookup); injectable so tests never query real DNS. */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM) for https, e.g. a private PKI. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Extra request headers on http/https checks (probe region, user agent). */
  headers: Record<string, string>;
}
