/**
 * Bounded concurrency on real sockets: 200 edges behind a limit of 16 never
 * have more than 16 checks (or connections) open, and one hanging edge does
 * not hold up the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@edgesteer/core';
import { runCheck, Scheduler, seededRandom } from '@edgesteer/probes';
import { handlers, startHttpEdge, type EdgeServer } from './support/probe-edges.js';
import { testPolicy, type EdgeInput } from './support/probe-fixtures.js';

let fleet: EdgeServer;
let hanging: EdgeServer;

beforeAll(async () => {
  // Each request is held 25 ms so that checks really overlap.
  fleet = await startHttpEdge('127.0.0.28', handlers.hold(25));
  hanging = await startHttpEdge('127.0.0.29', handlers.hang());
});
afterAll(async () => {
  await Promise.all([fleet.close(), hanging.close()]);
});

describe('concurrency limit', () => {
  it('200 edges with limit 16: never more than 16 open checks; a hanging edge delays nobody', async () => {
    const edges: EdgeInput[] = Array.from({ length: 199 }, (_, i) => ({
      id: `edge-${String(i).padStart(3, '0')}`,
      region: 'eu',
      ipv4: ['127.0.0.28'],
      check: { type: 'http', port: fleet.port, timeoutMs: 5000 },
    }));
    // The hanging edge goes first, so it takes a slot before anyone else.
    edges.unshift({ id: 'edge-hang', region: 'eu', ipv4: ['127.0.0.29'], check: { type: 'http', port: hanging.port, timeoutMs: 2500 } });
    const policy = testPolicy(edges);

    const arrivals: Observation[] = [];
    const scheduler = new Scheduler({
      edges: policy.edges,
      concurrency: 16,
      random: seededRandom(5),
      check: (edge) => runCheck(edge, { probeRegion: 'eu' }),
      onObservation: (obs) => arrivals.push(obs),
    });
    const observations = await scheduler.runOnce();

    expect(observations).toHaveLength(200);
    expect(observations.map((o) => o.edge)).toEqual(policy.edges.map((e) => e.id));
    const stats = scheduler.stats();
    expect(stats.maxInFlight).toBeLessThanOrEqual(16);
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(fleet.conns.max + hanging.conns.max).toBeLessThanOrEqual(16);
    expect(fleet.conns.total).toBe(199);

    // All 199 healthy edges were checked and reported while the hanging one still held its slot.
    expect(arrivals.at(-1)).toMatchObject({ edge: 'edge-hang', ok: false, reason: 'timeout' });
    expect(arrivals.slice(0, 199).every((o) => o.ok)).toBe(true);
  });
});
