/** A bounded list that keeps the newest `capacity` items (oldest dropped first). */
export class Ring<T> {
  private items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  }

  push(...values: T[]): void {
    this.items.push(...values);
    const excess = this.items.length - this.capacity;
    // Splice in one go: pushing a large batch must not cost O(n) per item.
    if (excess > 0) this.items.splice(0, excess);
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.slice();
  }

  /** The newest `n` items, newest first. */
  newest(n: number): T[] {
    return this.items.slice(Math.max(0, this.items.length - n)).reverse();
  }

  get size(): number {
    return this.items.length;
  }
}
