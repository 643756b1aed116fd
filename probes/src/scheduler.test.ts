import { afterEach, describe, expect, it, vi } from 'vitest';
import { EdgeSchema, type Edge } from '@edgesteer/policy';
import type { Observation } from '@edgesteer/core';
import { seededRandom } from './jitter.js';
import { Scheduler } from './scheduler.js';

const edge = (id: string, intervalMs: number): Edge => EdgeSchema.parse({ id, region: 'eu', ipv4: ['127.0.0.21'], check: { type: 'http', intervalMs } });
const obsFor = (e: Edge): Observation => ({ probeRegion: 'eu', edge: e.id, at: Date.now(), ok: true });

afterEach(() => vi.useRealTimers());

describe('Scheduler (fake clock)', () => {
  it('checks each edge on its own jittered interval (±10%) and desynchronises edges', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const starts = new Map<string, number[]>();
    const edges = [edge('a', 1000), edge('b', 1000), edge('c', 5000)];
    const s = new Scheduler({
      edges,
      concurrency: 4,
      random: seededRandom(99),
      check: async (e) => {
        starts.set(e.id, [...(starts.get(e.id) ?? []), performance.now()]);
        return obsFor(e);
      },
      onObservation: () => {},
    });
    s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await s.stop();
    for (const e of edges) {
      const t = starts.get(e.id) ?? [];
      const interval = e.check.intervalMs;
      expect(t[0]).toBeLessThan(interval * 0.1 + 1);
      const gaps = t.slice(1).map((x, i) => x - t[i]!);
      expect(gaps.length).toBeGreaterThan(4);
      for (const g of gaps) {
        expect(g).toBeGreaterThanOrEqual(interval * 0.9 - 1);
        expect(g).toBeLessThanOrEqual(interval * 1.1 + 1);
      }
      expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(1);
    }
    // Same interval, different phase: a and b do not fire together.
    expect(starts.get('a')![0]).not.toBe(starts.get('b')![0]);
  });

  it('never runs the same edge twice at once, even when a check outlasts its interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    let open = 0;
    let maxOpen = 0;
    let checks = 0;
    const e = edge('slow', 100);
    const s = new Scheduler({
      edges: [e],
      concurrency: 8,
      random: seededRandom(1),
      check: async (x) => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((r) => setTimeout(r, 350));
        open--;
        checks++;
        return obsFor(x);
      },
      onObservation: () => {},
    });
    s.start();
    await vi.advanceTimersByTimeAsync(5_000);
    // The running check sleeps on the fake clock: let it finish while stopping.
    const stopping = s.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(maxOpen).toBe(1);
    expect(checks).toBeGreaterThanOrEqual(10);
  });

  it('keeps scheduling when the observation consumer throws', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    let seen = 0;
    const s = new Scheduler({
      edges: [edge('a', 100)],
      concurrency: 1,
      random: seededRandom(3),
      check: async (x) => obsFor(x),
      onObservation: () => {
        seen++;
        throw new Error('consumer bug');
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(1_000);
    await s.stop();
    expect(seen).toBeGreaterThanOrEqual(8);
  });

  it('stop() drops queued checks, cancels running ones and discards their results', async () => {
    let started = 0;
    let delivered = 0;
    const edges = Array.from({ length: 10 }, (_, i) => edge(`e${i}`, 100));
    const s = new Scheduler({
      edges,
      concurrency: 2,
      random: () => 0,
      // A check that would hang for a minute unless cancelled.
      check: (x, signal) =>
        new Promise((resolve) => {
          started++;
          const t = setTimeout(() => resolve(obsFor(x)), 60_000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve({ ...obsFor(x), ok: false, reason: 'other' });
          });
        }),
      onObservation: () => delivered++,
    });
    s.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 8 });
    await s.stop();
    expect(started).toBe(2);
    expect(delivered).toBe(0);
    expect(s.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
