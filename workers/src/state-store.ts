/**
 * Where the Worker keeps what must survive between requests: the decision
 * state, the table it produced, and the replay memory of accepted reports.
 *
 * One small interface with two implementations: memory (Node, one process)
 * and a Durable Object (Cloudflare, one strongly consistent instance shared
 * by every isolate). Writes are compare-and-set on a revision number, so
 * two requests that ingest at once can never both win with a stale read:
 * the loser re-reads and re-applies. That is also what makes replay
 * protection hold across isolates.
 */
import type { DecisionState, RoutingTable } from '@edgesteer/core';
import type { ReplayMemory } from './replay-memory.js';

/** Everything the Worker persists; plain JSON. */
export interface WorkerSnapshot {
  /** Snapshot format, bumped on incompatible change (a store refuses others). */
  format: 'edgesteer-worker-state/1';
  /** Incremented on every write; the compare-and-set token. */
  rev: number;
  /** Decision memory (links, verdicts, hysteresis), fed to core's decide(). */
  state: DecisionState;
  /** The last table decide() produced from that state. */
  table: RoutingTable;
  /** Highest accepted seq per probe (bounded; see replay-memory.ts). */
  replay: ReplayMemory;
  /** Counters for /healthz. */
  stats: { reports: number; observations: number; lastReportAt?: number };
}

/** Persistent home of the {@link WorkerSnapshot}. */
export interface StateStore {
  /** The current snapshot, or null before the first write. */
  read(): Promise<WorkerSnapshot | null>;
  /**
   * Stores `next` only if the stored revision is still `expectedRev` (null:
   * only if nothing is stored yet). Returns false, storing nothing, when
   * someone else wrote first. `next.rev` must be `(expectedRev ?? 0) + 1`.
   */
  compareAndSet(expectedRev: number | null, next: WorkerSnapshot): Promise<boolean>;
  /** Short label for /healthz and logs (e.g. "memory", "durable-object"). */
  readonly kind: string;
}
