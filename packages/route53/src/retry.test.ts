import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryable, withRetry } from './retry.js';
import { TokenBucket } from './pacing.js';

const awsError = (name: string, status: number): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('isRetryable', () => {
  it.each([
    ['Throttling', 400, true],
    ['PriorRequestNotComplete', 400, true],
    ['ServiceUnavailable', 503, true],
    ['InternalFailure', 500, true],
    ['SomethingNew', 502, true],
    ['InvalidChangeBatch', 400, false],
    ['AccessDenied', 403, false],
    ['NoSuchHostedZone', 404, false],
  ] as const)('%s (%i) → %s', (name, status, expected) => {
    expect(isRetryable(awsError(name, status))).toBe(expected);
  });
  it('retries dropped connections', () => {
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });
});

describe('withRetry', () => {
  it('backs off with full jitter below base·2^n, capped', () => {
    expect(backoffMs(0, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 10_000, () => 0.5)).toBe(400);
    expect(backoffMs(20, 100, 10_000, () => 0.999)).toBe(9990);
  });

  it('retries retryable errors, then succeeds', async () => {
    const slept: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw awsError('Throttling', 400);
        return 'ok';
      },
      { baseMs: 10, capMs: 1000, random: () => 0.5, sleep: async (ms) => void slept.push(ms) },
    );
    expect(out).toBe('ok');
    expect(slept).toEqual([5, 10, 20]);
  });

  it('passes other errors through at once and gives up after maxAttempts with E_R53_RETRIES_EXHAUSTED', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw awsError('AccessDenied', 403); }, { sleep: async () => undefined })).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw awsError('Throttling', 400); }, { maxAttempts: 4, sleep: async () => undefined })).rejects.toMatchObject({ code: 'E_R53_RETRIES_EXHAUSTED' });
    expect(calls).toBe(4);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then paces to the rate', async () => {
    let t = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 2, now: () => t, sleep: async (ms) => { waits.push(ms); t += ms; } });
    const taken: number[] = [];
    for (let i = 0; i < 6; i++) {
      await bucket.take();
      taken.push(t);
    }
    // Two at once, then one every 200 ms.
    expect(taken).toEqual([0, 0, 200, 400, 600, 800]);
    expect(waits.every((w) => w <= 200)).toBe(true);
  });

  it('serves callers in order and survives an aborted wait', async () => {
    let t = 0;
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, now: () => t, sleep: async (ms, signal) => { if (signal?.aborted) throw new Error('aborted'); t += ms; } });
    await bucket.take();
    const ac = new AbortController();
    ac.abort();
    await expect(bucket.take(ac.signal)).rejects.toThrow('aborted');
    await bucket.take();
    expect(t).toBe(100);
  });
});
