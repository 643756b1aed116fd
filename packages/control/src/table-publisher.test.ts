import { describe, expect, it } from 'vitest';
import type { RoutingTable } from '@edgesteer/core';
import { TablePublisher } from './table-publisher.js';

const table = (version: number): RoutingTable => ({ version, hash: `h${version}`, policyHash: 'p', generatedAt: version, services: {}, edges: {} });

describe('TablePublisher: persist before publish', () => {
  it('publishes at once without a persist step', async () => {
    const seen: number[] = [];
    const p = new TablePublisher({ initial: table(1), publish: (t) => seen.push(t.version) });
    await p.offer(table(2));
    expect(seen).toEqual([2]);
    expect(p.published.version).toBe(2);
  });

  it('never publishes a table before a write that started after it was decided has finished', async () => {
    const events: string[] = [];
    let decided = 1;
    const p = new TablePublisher({
      initial: table(1),
      publish: (t) => events.push(`publish ${t.version}`),
      persist: async () => {
        const covers = decided; // what the snapshot taken now holds
        events.push(`write ${covers} start`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`write ${covers} done`);
      },
    });
    decided = 2;
    const first = p.offer(table(2));
    expect(p.published.version).toBe(1); // clients still see 1 while 2 is being written
    expect(p.decided.version).toBe(2);
    decided = 3;
    void p.offer(table(3)); // decided during the write: waits for the next one
    await first;
    await p.idle();
    expect(events).toEqual(['write 2 start', 'write 2 done', 'publish 2', 'write 3 start', 'write 3 done', 'publish 3']);
    expect(p.published.version).toBe(3);
  });
});
