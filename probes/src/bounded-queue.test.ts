import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('drops the oldest when full and counts drops', () => {
    const dropped: number[] = [];
    const q = new BoundedQueue<number>(3, (n) => dropped.push(n));
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.toArray()).toEqual([3, 4, 5]);
    expect(q.dropped).toBe(2);
    expect(dropped).toEqual([1, 2]);
  });

  it('is FIFO through peek/shift/take', () => {
    const q = new BoundedQueue<string>(10);
    ['a', 'b', 'c', 'd'].forEach((x) => q.push(x));
    expect(q.peek()).toBe('a');
    expect(q.shift()).toBe('a');
    expect(q.take(2)).toEqual(['b', 'c']);
    expect(q.length).toBe(1);
    expect(q.take(5)).toEqual(['d']);
    expect(q.shift()).toBeUndefined();
  });

  it('puts a failed batch back in front, keeping the newest on overflow', () => {
    const q = new BoundedQueue<number>(4);
    [1, 2, 3, 4].forEach((x) => q.push(x));
    const batch = q.take(3); // [1,2,3]
    q.push(5);
    q.push(6);
    q.unshiftAll(batch); // [1,2,3,4,5,6] → keep last 4
    expect(q.toArray()).toEqual([3, 4, 5, 6]);
    expect(q.dropped).toBe(2);
  });

  it('stays correct over many pushes and shifts (compaction)', () => {
    const q = new BoundedQueue<number>(100);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 80; i++) q.push(next++);
      for (let i = 0; i < 80; i++) expect(q.shift()).toBe(expected++);
    }
    expect(q.length).toBe(0);
  });

  it('rejects a non-positive capacity', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
