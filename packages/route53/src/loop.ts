/**
 * Loop mode: reconcile every `intervalMs`, and at once whenever the routing
 * table's version (or hash) changes. Between full reconciles only the table
 * is polled, which costs no AWS call; a reconcile with nothing to change
 * makes no write call.
 */
import type { RoutingTable } from '@edgesteer/core';
import type { ApiCaller } from './caller.js';
import { policyNeedsCloudWatch } from './desired.js';
import { callerFor, reconcileOnce, type ReconcileOptions, type ReconcileResult } from './reconcile.js';

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
      const r = await reconcileOnce({ ...opts, table, apply: opts.apply ?? true, caller, signal: abort.signal });
      lastKey = key;
      cycles++;
      opts.onCycle?.(r);
    } catch (err) {
      // Retry this table after the interval, not on every poll: a refusal
      // (safety threshold) or an outage would otherwise spin.
      lastKey = key;
      if (!stopped) opts.onError?.(err);
    }
  };

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
