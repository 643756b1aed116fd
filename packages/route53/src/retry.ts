/**
 * Retries with jittered exponential backoff for the errors AWS says to
 * retry: Throttling, PriorRequestNotComplete (Route53 still busy with this
 * zone's previous change), 5xx and dropped connections. The SDK's own retry
 * is switched off so the attempts counted here are the attempts made.
 */
import { Route53Error } from './errors.js';
import { realSleep, type Sleep } from './pacing.js';

/** Backoff settings. */
export interface RetryOptions {
  /** Attempts in total, first one included. Default 10. */
  maxAttempts?: number;
  /** First backoff ceiling, ms. Default 200. */
  baseMs?: number;
  /** Largest backoff, ms. Default 20,000. */
  capMs?: number;
  sleep?: Sleep;
  random?: () => number;
  /** Called before each backoff sleep. */
  onRetry?: (info: { attempt: number; delayMs: number; code: string }) => void;
  /**
   * Attempts that may fail without any answer from the endpoint (refused,
   * reset, timed out, unresolvable) before the call gives up with
   * E_R53_UNREACHABLE. Default 3.
   */
  networkAttempts?: number;
  /** …or once this long has passed since the first attempt without an answer, ms. Default 8,000 (so a dead endpoint fails within 10 s). */
  networkDeadlineMs?: number;
  /** Names the endpoint in the E_R53_UNREACHABLE message. */
  endpoint?: string;
}

const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/** True when the endpoint never answered (no HTTP status): refused, reset, timed out, unresolvable. */
export function isNetworkError(err: unknown): boolean {
  if (httpStatus(err) !== undefined) return false;
  const code = errorCode(err);
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return NETWORK_CODES.has(code) || (cause !== undefined && NETWORK_CODES.has(cause));
}

/** The AWS error code of an SDK error (name, Code, or the network errno). */
export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.Code ?? (e?.name && e.name !== 'Error' ? e.name : undefined) ?? e?.code ?? 'Unknown';
}

/** HTTP status of an SDK error, if it got that far. */
export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** True for errors worth another attempt. */
export function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  if (RETRYABLE_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  const status = httpStatus(err);
  if (status !== undefined && status >= 500) return true;
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return cause !== undefined && NETWORK_CODES.has(cause);
}

/** Full-jitter backoff: uniform in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}, signal?: AbortSignal): Promise<T> {
  const max = opts.maxAttempts ?? 10;
  const base = opts.baseMs ?? 200;
  const cap = opts.capMs ?? 20_000;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const netMax = opts.networkAttempts ?? 3;
  const netDeadline = opts.networkDeadlineMs ?? 8000;
  const t0 = Date.now();
  let networkFailures = 0;
  for (let attempt = 1; ; attempt++) {
    const tAttempt = Date.now();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const code = errorCode(err);
      if (isNetworkError(err)) {
        networkFailures++;
        const elapsed = Date.now() - t0;
        const delay = backoffMs(attempt - 1, base, cap, random);
        // Another attempt may take as long as this one did (a timeout): only try if it can end before the deadline.
        const lastMs = Date.now() - tAttempt;
        if (networkFailures >= netMax || elapsed + delay + lastMs >= netDeadline) {
          throw new Route53Error(
            'E_R53_UNREACHABLE',
            `cannot reach ${opts.endpoint ?? 'the AWS endpoint'}: ${code} (${(err as Error).message}) on ${networkFailures} attempt(s) in ${(elapsed / 1000).toFixed(1)} s; check --endpoint / --cloudwatch-endpoint and the network (attempts: --retries)`,
            { code, endpoint: opts.endpoint },
          );
        }
        opts.onRetry?.({ attempt, delayMs: delay, code });
        await sleep(delay, signal);
        continue;
      }
      if (attempt >= max) {
        throw new Route53Error('E_R53_RETRIES_EXHAUSTED', `gave up after ${attempt} attempts, last error ${code}: ${(err as Error).message}; the next run resumes where this one stopped`, { code });
      }
      const delayMs = backoffMs(attempt - 1, base, cap, random);
      opts.onRetry?.({ attempt, delayMs, code });
      await sleep(delayMs, signal);
    }
  }
}
