/**
 * Every AWS call goes through here: one token from the service's bucket per
 * attempt, retries with backoff, a counter per operation, and an abort
 * signal so a stopping loop does not sit in a backoff sleep.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Route53Error } from './errors.js';
import { TokenBucket } from './pacing.js';
import { errorCode, withRetry, type RetryOptions } from './retry.js';

/** Pacing and retry settings of a caller. */
export interface CallerOptions {
  /** Route53 requests per second (account-wide limit is 5). Default 5. */
  route53RatePerSecond?: number;
  /** CloudWatch alarm API requests per second. Default 3. */
  cloudwatchRatePerSecond?: number;
  retry?: RetryOptions;
  /** Route53 / CloudWatch endpoint names for error messages (E_R53_UNREACHABLE). */
  endpoints?: { route53?: string; cloudwatch?: string };
  signal?: AbortSignal;
  /** Observes every attempt's outcome (logs, metrics). */
  onCall?: (info: { service: 'route53' | 'cloudwatch'; op: string; ok: boolean; code?: string; ms: number }) => void;
}

/** Paced, retried access to the two AWS services. */
export class ApiCaller {
  private readonly r53Bucket: TokenBucket;
  private readonly cwBucket: TokenBucket;
  /** Attempts per operation name, successful or not. */
  readonly counts = new Map<string, number>();

  constructor(
    readonly route53: Route53Client,
    readonly cloudwatch: CloudWatchClient | undefined,
    private readonly opts: CallerOptions = {},
  ) {
    this.r53Bucket = new TokenBucket({ ratePerSecond: opts.route53RatePerSecond ?? 5 });
    this.cwBucket = new TokenBucket({ ratePerSecond: opts.cloudwatchRatePerSecond ?? 3 });
  }

  /** Abort signal of this caller, if any. */
  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Calls Route53. */
  r53<T>(op: string, fn: (c: Route53Client) => Promise<T>): Promise<T> {
    return this.call('route53', op, this.r53Bucket, () => fn(this.route53));
  }

  /** Calls CloudWatch. */
  cw<T>(op: string, fn: (c: CloudWatchClient) => Promise<T>): Promise<T> {
    const client = this.cloudwatch;
    if (!client) return Promise.reject(new Route53Error('E_R53_NO_CLOUDWATCH', `${op}: no CloudWatch client configured`));
    return this.call('cloudwatch', op, this.cwBucket, () => fn(client));
  }

  private call<T>(service: 'route53' | 'cloudwatch', op: string, bucket: TokenBucket, fn: () => Promise<T>): Promise<T> {
    const signal = this.opts.signal;
    const endpoint = this.opts.endpoints?.[service];
    return withRetry(
      async () => {
        if (signal?.aborted) throw new Route53Error('E_R53_ABORTED', `${op}: stopped before the call`);
        await bucket.take(signal);
        this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
        const t0 = performance.now();
        try {
          const out = await fn();
          this.opts.onCall?.({ service, op, ok: true, ms: performance.now() - t0 });
          return out;
        } catch (err) {
          this.opts.onCall?.({ service, op, ok: false, code: errorCode(err), ms: performance.now() - t0 });
          throw err;
        }
      },
      { ...this.opts.retry, endpoint: `${service} at ${endpoint ?? '(SDK default endpoint)'} (${op})` },
      signal,
    );
  }
}
