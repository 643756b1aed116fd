/**
 * A FIFO with a hard size limit that drops the oldest item when full. Used for
 * everything a probe holds while a destination is down: memory stays bounded
 * and what survives is the newest data, which is what a receiver wants.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  /** Items dropped because the queue was full, since creation. */
  dropped = 0;

  constructor(
    readonly capacity: number,
    /** Called with each dropped item (for counting what it carried). */
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends; when full, drops the oldest first. Returns the number dropped (0 or 1). */
  push(item: T): number {
    let dropped = 0;
    if (this.length >= this.capacity) {
      const old = this.shift();
      this.dropped++;
      dropped = 1;
      if (old !== undefined) this.onDrop?.(old);
    }
    this.items.push(item);
    return dropped;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head++;
    // Compact now and then so a long-lived queue does not keep a dead prefix.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes up to `n` oldest items. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.length > 0) out.push(this.shift() as T);
    return out;
  }

  /**
   * Puts items back at the front (a batch that failed to send), keeping the
   * newest when that overflows the capacity.
   */
  unshiftAll(batch: readonly T[]): void {
    const rest = this.items.slice(this.head);
    const all = [...batch, ...rest];
    const over = all.length - this.capacity;
    if (over > 0) {
      for (const item of all.slice(0, over)) this.onDrop?.(item);
      this.dropped += over;
    }
    this.items = over > 0 ? all.slice(over) : all;
    this.head = 0;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }
}
