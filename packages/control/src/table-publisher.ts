/**
 * Persist before publish: a decided table reaches clients (GET /v1/table,
 * long polls, SSE, the Route53 loop) only after the state that produced it
 * is on disk (write, fsync, rename). A SIGKILL at any moment therefore
 * restarts the controller on a table at least as new as the newest one any
 * client saw, and followers never see the version go back.
 *
 * Without a persist step (no state directory, tests) a decided table is
 * published at once. Tables decided while a write is in flight wait, and
 * only the newest of them is published after the next write.
 */
import type { RoutingTable } from '@edgesteer/core';

export interface TablePublisherOptions {
  /** The table first served (restored or decided at start). */
  initial: RoutingTable;
  /** Makes the current state durable; must not reject. */
  persist?: (() => Promise<void>) | undefined;
  /** Hands a table to clients. */
  publish: (table: RoutingTable) => void;
}

/** See module doc. */
export class TablePublisher {
  private _published: RoutingTable;
  private latest: RoutingTable;
  private running: Promise<void> | undefined;
  persist: (() => Promise<void>) | undefined;

  constructor(private readonly opts: TablePublisherOptions) {
    this._published = opts.initial;
    this.latest = opts.initial;
    this.persist = opts.persist;
  }

  /** The table clients get now. */
  get published(): RoutingTable {
    return this._published;
  }

  /** The newest decided table (equal to published unless a write is in flight). */
  get decided(): RoutingTable {
    return this.latest;
  }

  /** Offers a newly decided table; resolves once it (or a newer one) is published. */
  offer(table: RoutingTable): Promise<void> {
    this.latest = table;
    if (!this.persist) {
      this.publishLatest();
      return Promise.resolve();
    }
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Resolves when nothing waits for a write. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.latest !== this._published) {
      const target = this.latest;
      // The snapshot is taken when the write starts: it holds `target` or a newer table, never an older one.
      await this.persist!();
      this._published = target;
      this.opts.publish(target);
    }
  }

  private publishLatest(): void {
    if (this.latest === this._published) return;
    this._published = this.latest;
    this.opts.publish(this._published);
  }
}
