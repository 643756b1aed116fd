/**
 * One check of one edge → one Observation. Owns the overall deadline: when it
 * fires the check's sockets are destroyed and the result is a `timeout`
 * observation (with the connect time if the connection got that far).
 */
import type { LookupFunction } from 'node:net';
import type { Observation } from '@edgesteer/core';
import type { Edge } from '@edgesteer/policy';
import { classifyError, clip } from './reason.js';
import { targetOf } from './target.js';
import { CheckTiming } from './timing.js';
import type { CheckContext, CheckOutcome } from './outcome.js';
import { tcpCheck } from './tcp.js';
import { httpCheck } from './http.js';
import { httpsCheck } from './https.js';

export const PROBE_USER_AGENT = 'edgesteer-probe/0.1.0';
/** Request header naming the probing region, so an edge (or a demo edge) can tell probes apart. */
export const PROBE_REGION_HEADER = 'x-edgesteer-probe-region';

export interface RunCheckOptions {
  /** Region this probe runs in (goes into the observation). */
  probeRegion: string;
  /** Wall clock for the observation's `at` (epoch ms). */
  now?: () => number;
  /** Name resolution override (tests; split-horizon setups). */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM) for https checks. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Cancels the check (the probe is stopping): sockets close at once, the result is an `other` failure. */
  signal?: AbortSignal;
}

/** Checks one edge once, never throwing: every failure is a failed observation. */
export async function runCheck(edge: Edge, opts: RunCheckOptions): Promise<Observation> {
  const at = Math.trunc((opts.now ?? Date.now)());
  const base = { probeRegion: opts.probeRegion, edge: edge.id, at };
  const resolved = targetOf(edge);
  if (!resolved.ok) return { ...base, ok: false, reason: 'other', detail: clip(resolved.detail) };
  const target = resolved.target;

  const timing = new CheckTiming();
  const controller = new AbortController();
  const ctx: CheckContext = {
    signal: controller.signal,
    headers: { 'user-agent': PROBE_USER_AGENT, [PROBE_REGION_HEADER]: opts.probeRegion },
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
  };
  const timeoutMs = edge.check.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      const stage = timing.connectedAt === undefined ? 'connecting' : 'waiting for the response';
      resolve({ ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms (${stage})` });
    }, timeoutMs);
  });
  const work = (async (): Promise<CheckOutcome> => {
    switch (target.type) {
      case 'tcp':
        return tcpCheck(target, ctx, timing);
      case 'http':
        return httpCheck(target, edge.check, ctx, timing);
      case 'https':
        return httpsCheck(target, edge.check, ctx, timing);
    }
  })().catch((err: unknown): CheckOutcome => ({ ok: false, ...classifyError(err) }));

  let onCancel: (() => void) | undefined;
  const cancelled = new Promise<CheckOutcome>((resolve) => {
    onCancel = () => resolve({ ok: false, reason: 'other', detail: 'check cancelled: probe stopping' });
    if (opts.signal?.aborted) onCancel();
    else opts.signal?.addEventListener('abort', onCancel, { once: true });
  });
  const outcome = await Promise.race([work, deadline, cancelled]);
  clearTimeout(timer);
  if (onCancel) opts.signal?.removeEventListener('abort', onCancel);
  // Closes whatever is still open (the timeout case, or a check that ended early).
  controller.abort();

  const obs: Observation = { ...base, ok: outcome.ok };
  if (!outcome.ok) obs.reason = outcome.reason;
  if (outcome.detail !== undefined) obs.detail = clip(outcome.detail);
  const connectMs = timing.connectMs();
  if (connectMs !== undefined) obs.connectMs = connectMs;
  const firstByteMs = timing.firstByteMs();
  if (firstByteMs !== undefined) obs.firstByteMs = firstByteMs;
  return obs;
}
