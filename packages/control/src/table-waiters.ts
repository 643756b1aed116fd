/**
 * Who waits for the next table: listeners (SSE streams, the Route53 loop)
 * and long-poll requests. One job: hand each published table to them.
 */
import type { RoutingTable } from '@edgesteer/core';

type TableListener = (table: RoutingTable) => void;

/** Table listeners and long-poll waiters (see module doc). */
export class TableWaiters {
  private readonly listeners = new Set<TableListener>();

  /** Called with every published table. Returns an unsubscribe function. */
  on(fn: TableListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Hands a newly published table to every listener. */
  emit(table: RoutingTable): void {
    for (const fn of this.listeners) fn(table);
  }

  /**
   * Resolves with `current()` at once when its hash differs from `hash`;
   * else with the next published table, or undefined after `timeoutMs` or
   * when `signal` aborts (long-poll).
   */
  waitForChange(current: RoutingTable, hash: string, timeoutMs: number, signal?: AbortSignal): Promise<RoutingTable | undefined> {
    if (current.hash !== hash) return Promise.resolve(current);
    return new Promise((resolve) => {
      const done = (t: RoutingTable | undefined) => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve(t);
      };
      const onAbort = () => done(undefined);
      const off = this.on((t) => done(t));
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
