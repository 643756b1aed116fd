import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './sha256.js';
import { combineHash, routeDigest, routeJson, serviceDigest, serviceJson, tableHash } from './table-hash.js';
import { decide } from './table.js';
import { ingest } from './links.js';
import { initialState } from './state.js';
import { fail, ok, service, testPolicy } from './test-policy.js';
import type { RoutingTable } from './types.js';

const T0 = 1_700_000_000_000;

/** A table with ranked, fallback and closed routes and a down edge. */
function sampleTable(): RoutingTable {
  const policy = testPolicy({
    services: [
      service('cdn', ['use1', 'euw1', 'aps1'], { answers: 2 }),
      service('api', ['aps1'], { fallback: ['aps1', 'use1'] }),
      service('dl', ['aps1'], { failMode: 'closed', types: ['A'] }),
    ],
  });
  const obs = [...['us-east', 'eu-west'].flatMap((r) => [0, 1, 2].map((i) => fail(r, 'aps1', T0 + i))), ok('eu-west', 'use1', T0, 30)];
  return decide(policy, ingest(initialState(), policy, obs), T0 + 100).table;
}

describe('table hash writers', () => {
  it('write exactly the canonical JSON of the documented values', () => {
    const table = sampleTable();
    const modes = new Set<string>();
    const digests: Record<string, string> = {};
    for (const [id, s] of Object.entries(table.services)) {
      const regions: Record<string, unknown> = {};
      for (const [r, e] of Object.entries(s.regions)) {
        modes.add(e.mode);
        expect(routeJson(e)).toBe(canonicalJson({ answer: e.answer, mode: e.mode, ranked: e.ranked }));
        expect(routeDigest(e)).toBe(sha256Hex(canonicalJson({ answer: e.answer, mode: e.mode, ranked: e.ranked })));
        regions[r] = sha256Hex(canonicalJson({ answer: e.answer, mode: e.mode, ranked: e.ranked }));
      }
      const view = { name: s.name, ttl: s.ttl, types: s.types, steering: s.steering, regions };
      const routes = Object.entries(s.regions).map(([r, e]) => [r, JSON.stringify(routeDigest(e))] as const);
      expect(serviceJson(s, routes.reverse())).toBe(canonicalJson(view));
      digests[id] = sha256Hex(canonicalJson(view));
      expect(serviceDigest(s)).toBe(digests[id]);
    }
    expect(modes).toEqual(new Set(['ranked', 'fallback', 'closed']));
    const expected = sha256Hex(canonicalJson({ edges: table.edges, policyHash: table.policyHash, services: digests }));
    expect(combineHash(table.policyHash, table.edges, digests)).toBe(expected);
    expect(tableHash(table)).toBe(expected);
    expect(table.hash).toBe(expected);
  });

  it('ignores rttMs and generatedAt but nothing else', () => {
    const table = sampleTable();
    const copy: RoutingTable = JSON.parse(JSON.stringify(table));
    copy.generatedAt += 1;
    copy.services.cdn!.regions['eu-west']!.rttMs = 99;
    expect(tableHash(copy)).toBe(table.hash);
    for (const edit of [
      (t: RoutingTable) => (t.services.cdn!.ttl += 1),
      (t: RoutingTable) => t.services.cdn!.regions['eu-west']!.ranked.reverse(),
      (t: RoutingTable) => (t.edges.use1!.drain = true),
      (t: RoutingTable) => (t.policyHash = '0'.repeat(64)),
      (t: RoutingTable) => (t.services.dl!.regions['us-east']!.mode = 'fallback'),
    ]) {
      const t: RoutingTable = JSON.parse(JSON.stringify(table));
      edit(t);
      expect(tableHash(t)).not.toBe(table.hash);
    }
  });
});
