import type { StateStore, WorkerSnapshot } from './state-store.js';

/**
 * In-process {@link StateStore} (Node, tests). Snapshots are immutable by
 * contract (the engine builds a new one per write and core never mutates
 * its inputs), so reads hand out the stored object without copying: a DoH
 * query on Node costs no clone of the decision state.
 */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  private current: WorkerSnapshot | null = null;

  async read(): Promise<WorkerSnapshot | null> {
    return this.current;
  }

  async compareAndSet(expectedRev: number | null, next: WorkerSnapshot): Promise<boolean> {
    const rev = this.current?.rev ?? null;
    if (rev !== expectedRev) return false;
    this.current = next;
    return true;
  }
}
