/**
 * A 5,000-record zone (5,012 records and as many markers): applied in the minimum number of
 * ChangeResourceRecordSets requests the limits allow, read back in pages,
 * and re-planned to nothing. (How fast the plan is: bench/route53-plan.bench.mjs.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileOnce, unitWeight, ROUTE53_BATCH_LIMITS, type ReconcileResult } from '@edgesteer/route53';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZSCALE1';
const SERVICES = 179;
const REGIONS: Array<[string, string]> = [
  ['eu', 'eu-west-1'],
  ['us', 'us-east-1'],
  ['ap', 'ap-southeast-1'],
  ['sa', 'sa-east-1'],
];

let ep: Route53Endpoint;
beforeAll(async () => {
  ep = await startRoute53Endpoint();
  ep.createZone('example.com', ZONE);
});
afterAll(async () => {
  await ep.close();
});

const policy = makePolicy({
  hostedZoneId: ZONE,
  regions: REGIONS,
  edges: REGIONS.map(([r], i) => ({ id: `${r}-1`, region: r, ipv4: [`203.0.113.${i + 1}`] })),
  services: Array.from({ length: SERVICES }, (_v, i) => ({ id: `svc${i}`, name: `svc${i}.example.com`, edges: REGIONS.map(([r]) => `${r}-1`) })),
});

describe('5,000 records', () => {
  let first: ReconcileResult;
  it('applies in the minimum number of ChangeResourceRecordSets requests', async () => {
    first = await reconcileOnce({ policy, table: tableFor(policy), route53Client: testRoute53Client(ep.url), apply: true, ...FAST });
    const units = first.plan.zones[0]!.units;
    // 179 services × 4 regions: one latency record + a failover chain of the 4 edges (3 links, 6 records) each.
    expect(first.plan.summary.records.create).toBe(5012);
    expect(first.plan.summary.markers.create).toBe(5012);
    expect(units).toHaveLength(SERVICES * REGIONS.length);
    // Every unit weighs the same (14 elements); characters never bind here.
    const weights = units.map(unitWeight);
    expect(new Set(weights.map((w) => w.records))).toEqual(new Set([14]));
    const maxChars = Math.max(...weights.map((w) => w.chars));
    const perRequest = Math.floor(ROUTE53_BATCH_LIMITS.maxRecords / 14);
    expect(maxChars * perRequest).toBeLessThan(ROUTE53_BATCH_LIMITS.maxValueChars);
    // Units are atomic, so the minimum is ceil(units / units-per-request) = 11.
    const minimum = Math.ceil(units.length / perRequest);
    expect(minimum).toBe(11);
    expect(first.applied?.batches).toBe(minimum);
    expect(ep.calls.filter((c) => c.op === 'ChangeResourceRecordSets').map((c) => c.status)).toEqual(Array(minimum).fill(200));
    expect(ep.calls.filter((c) => c.op === 'ChangeResourceRecordSets').every((c) => (c.changes ?? 0) <= 1000)).toBe(true);
    expect(ep.records(ZONE)).toHaveLength(2 + 5012 * 2);
  });

  it('re-plans to nothing, reading the zone in 300-record pages', async () => {
    ep.resetCalls();
    const again = await reconcileOnce({ policy, table: tableFor(policy), route53Client: testRoute53Client(ep.url), apply: true, ...FAST });
    expect(again.plan.empty).toBe(true);
    expect(again.writes).toBe(0);
    expect(ep.callCount('ListResourceRecordSets')).toBe(Math.ceil((2 + 5012 * 2) / 300));
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(0);
  });

  it('an edge going down re-ranks only the chain links that change, without --force, packed as tightly', async () => {
    ep.resetCalls();
    const r = await reconcileOnce({ policy, table: tableFor(policy, ['eu-1'], 2), route53Client: testRoute53Client(ep.url), apply: true, ...FAST });
    // eu: [eu,us,ap,sa] → [us,ap,sa,eu] moves 4 links; us/ap/sa: eu-1 moves from second to last, 3 links each.
    expect(r.plan.summary.records.update).toBe(SERVICES * 13);
    expect(r.plan.summary).toMatchObject({ touchedOwned: 0, reranked: SERVICES * 13 });
    const units = r.plan.zones[0]!.units;
    const expected = Math.ceil(units.reduce((n, u) => n + unitWeight(u).records, 0) / ROUTE53_BATCH_LIMITS.maxRecords);
    // UPSERT counts twice: 8 per eu unit, 6 per other unit; units small enough that next-fit reaches the bound.
    expect(r.applied?.batches).toBe(expected);
    expect((await reconcileOnce({ policy, table: tableFor(policy, ['eu-1'], 2), route53Client: testRoute53Client(ep.url), ...FAST })).plan.empty).toBe(true);
  });
});
