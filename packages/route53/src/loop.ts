/**
 * Loop mode: reconcile every `intervalMs`, and at once whenever the routing
 * table's version (or hash) changes. Between full reconciles only the table
 * is polled, which costs no AWS call; a reconcile with nothing to change
 * makes no write call.
 *
 * This is the one Route53 loop: `edgesteer route53 apply --loop` and the
 * controller both run it, with the same rules (the 30% gate for policy and
 * ownership changes, the re-rank limit for health/RTT changes) and the same
 * log events (pino JSON, `component: route53`): route53_plan, route53_apply,
 * route53_applied, route53_refused, route53_error.
 */
import type { RoutingTable } from '@edgesteer/core';
import type { ApiCaller } from './caller.js';
import { policyNeedsCloudWatch } from './desired.js';
import { callerFor, reconcileOnce, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
import { RerankLimiter, DEFAULT_RERANKS_PER_MINUTE } from './rerank-limit.js';
import { errorCode } from './retry.js';

/** Loop settings: reconcile options minus the table, plus where tables come from. */
export interface LoopOptions extends Omit<ReconcileOptions, 'table' | 'caller' | 'signal'> {
  /** Returns the current table (controller state, URL, file…). */
  getTable: () => Promise<RoutingTable> | RoutingTable;
  /** Full reconcile at least this often. */
  intervalMs: number;
  /** How often the table is checked for a new version. Default min(1000, intervalMs). */
  pollMs?: number;
  /** After each reconcile. */
  onCycle?: (r: ReconcileResult) => void;
  /** After a failed reconcile or table read; the loop keeps going. */
  onError?: (err: unknown) => void;
  /** Re-ranks allowed per record set per minute (health/RTT changes). Default 6. */
  maxReranksPerMinute?: number;
}

/** Stable code of any error a cycle can end with. */
export function loopErrorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('E_') ? code : errorCode(err);
}

/** A running loop. */
export interface ReconcileLoop {
  /** Reconciles as soon as the current cycle (if any) ends. */
  trigger(): void;
  /** Stops the loop, aborting any backoff sleep; resolves when the current cycle has ended. */
  stop(): Promise<void>;
  /** Completed reconciles. */
  readonly cycles: number;
}

/** Starts a reconcile loop. The first reconcile runs immediately. */
export function startReconcileLoop(opts: LoopOptions): ReconcileLoop {
  const abort = new AbortController();
  const log = opts.logger;
  const limiter = new RerankLimiter(opts.maxReranksPerMinute ?? DEFAULT_RERANKS_PER_MINUTE);
  const pollMs = opts.pollMs ?? Math.min(1000, opts.intervalMs);
  let caller: ApiCaller | undefined;
  let lastKey: string | undefined;
  let lastRun = -Infinity;
  let forced = true;
  let cycles = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async (): Promise<void> => {
    let table: RoutingTable;
    try {
      table = await opts.getTable();
    } catch (err) {
      logError(err);
      opts.onError?.(err);
      return;
    }
    const key = `${table.version}:${table.hash}`;
    const due = forced || key !== lastKey || performance.now() - lastRun >= opts.intervalMs;
    if (!due || stopped) return;
    forced = false;
    lastRun = performance.now();
    try {
      caller ??= callerFor({ ...opts, signal: abort.signal, needsCloudWatch: policyNeedsCloudWatch(opts.policy) });
      const r = await reconcileOnce({ ...opts, table, apply: opts.apply ?? true, caller, signal: abort.signal, rerankLimiter: limiter });
      lastKey = key;
      cycles++;
      const refused = (r.applied?.failedChanges.length ?? 0) + (r.applied?.failedHealthChecks.length ?? 0);
      if (refused > 0) {
        log?.error({ event: 'route53_refused', component: 'route53', failedChanges: r.applied?.failedChanges, failedHealthChecks: r.applied?.failedHealthChecks }, `route53: ${refused} change(s) refused; the rest was applied`);
      } else if (r.applied && !r.plan.empty) {
        log?.info({ event: 'route53_applied', component: 'route53', checksum: r.plan.checksum, summary: r.plan.summary, writes: r.writes, tableVersion: table.version }, 'route53: applied the table');
      }
      opts.onCycle?.(r);
    } catch (err) {
      // Retry this table after the interval, not on every poll: a refusal
      // (safety threshold) or an outage would otherwise spin.
      lastKey = key;
      if (!stopped) {
        logError(err);
        opts.onError?.(err);
      }
    }
  };

  function logError(err: unknown): void {
    const code = loopErrorCode(err);
    const hint =
      code === 'E_R53_SAFETY_THRESHOLD'
        ? 'a policy or ownership change this large is applied only when reviewed: check it with `edgesteer route53 plan`, then `edgesteer route53 apply --force` (or start the loop with --force)'
        : 'retrying on the next interval or table change';
    log?.error({ event: 'route53_error', component: 'route53', code, err: (err as Error)?.message }, `route53 reconcile failed (${code}); ${hint}`);
  }

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, pollMs);
  };
  running = tick().finally(schedule);

  return {
    trigger(): void {
      forced = true;
      if (timer && !stopped) {
        clearTimeout(timer);
        timer = undefined;
        running = running.then(() => tick()).finally(schedule);
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort(new Error('reconcile loop stopped'));
      await running.catch(() => undefined);
    },
    get cycles() {
      return cycles;
    },
  };
}
