/**
 * The Cloudflare home of the Worker's state: one Durable Object instance
 * (named "edgesteer") that every isolate talks to. A Durable Object runs
 * one request's storage read and write without interleaving another
 * (input gates), so compareAndSet here is a true compare-and-set, which is
 * what keeps ingest and replay protection consistent across isolates
 * worldwide. KV would not do: it is eventually consistent, so two isolates
 * could both accept the same replayed report or overwrite each other's
 * observations (see README, "State on Cloudflare").
 */
import { DurableObject } from 'cloudflare:workers';
import type { StateStore, WorkerSnapshot } from './state-store.js';

const KEY = 'snapshot';

/** The Durable Object class (bound as EDGESTEER_STATE in wrangler.toml). */
export class EdgesteerState extends DurableObject {
  /** Kept in memory between calls; storage is the truth after an eviction. */
  private cached: WorkerSnapshot | null | undefined;

  private async current(): Promise<WorkerSnapshot | null> {
    if (this.cached === undefined) this.cached = (await this.ctx.storage.get<WorkerSnapshot>(KEY)) ?? null;
    return this.cached;
  }

  /** The stored snapshot, or null before the first write. */
  async read(): Promise<WorkerSnapshot | null> {
    return this.current();
  }

  /** Stores `next` iff the stored revision is `expectedRev` (null: nothing stored yet). */
  async compareAndSet(expectedRev: number | null, next: WorkerSnapshot): Promise<boolean> {
    const cur = await this.current();
    if ((cur?.rev ?? null) !== expectedRev) return false;
    await this.ctx.storage.put(KEY, next);
    this.cached = next;
    return true;
  }
}

/** The {@link StateStore} view of the Durable Object, used by each isolate. */
export class DurableObjectStateStore implements StateStore {
  readonly kind = 'durable-object';

  constructor(
    private readonly namespace: DurableObjectNamespace<EdgesteerState>,
    private readonly name = 'edgesteer',
  ) {}

  /** A stub per call: workerd forbids using one request's I/O objects (a stub is one) in another request. */
  private stub(): DurableObjectStub<EdgesteerState> {
    return this.namespace.get(this.namespace.idFromName(this.name));
  }

  async read(): Promise<WorkerSnapshot | null> {
    return (await this.stub().read()) as unknown as WorkerSnapshot | null;
  }

  async compareAndSet(expectedRev: number | null, next: WorkerSnapshot): Promise<boolean> {
    return (await this.stub().compareAndSet(expectedRev, next)) as boolean;
  }
}
