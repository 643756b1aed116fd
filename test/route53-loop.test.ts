/**
 * startReconcileLoop (what the controller embeds) against the Route53 test
 * endpoint: reconcile on start, on interval and on a new table version;
 * quiet cycles make zero write calls; errors do not stop the loop; stop()
 * ends it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReconcileLoop, type ReconcileLoop, type ReconcileResult } from '@edgesteer/route53';
import type { RoutingTable } from '@edgesteer/core';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZTESTZONE1';
const WRITES = ['ChangeResourceRecordSets', 'CreateHealthCheck', 'UpdateHealthCheck', 'DeleteHealthCheck', 'ChangeTagsForResource'];
let ep: Route53Endpoint;
let loop: ReconcileLoop | undefined;
beforeEach(async () => {
  ep = await startRoute53Endpoint();
  ep.createZone('example.com', ZONE);
});
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
  await ep.close();
});

const writes = (): number => WRITES.reduce((n, op) => n + ep.callCount(op), 0);
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startReconcileLoop', () => {
  it('applies at start, reconciles quietly on the interval, and at once on a new table version', async () => {
    const policy = makePolicy();
    let table: RoutingTable = tableFor(policy, [], 1);
    const cycles: ReconcileResult[] = [];
    loop = startReconcileLoop({ policy, getTable: () => table, intervalMs: 100, pollMs: 20, route53Client: testRoute53Client(ep.url), ...FAST, onCycle: (r) => cycles.push(r) });
    await until(() => cycles.length >= 1, 'first cycle');
    expect(cycles[0]!.applied?.batches).toBe(1);
    const afterFirst = writes();

    await until(() => cycles.length >= 4, 'three quiet cycles');
    expect(cycles.slice(1).every((c) => c.plan.empty && c.writes === 0)).toBe(true);
    expect(writes()).toBe(afterFirst);

    table = tableFor(policy, ['eu-1'], 2);
    const n = cycles.length;
    await until(() => cycles.length > n && cycles.at(-1)!.writes > 0, 'the new version');
    expect(ep.records(ZONE).find((r) => r.SetIdentifier === 'cdn-eu-primary')?.ResourceRecords).toEqual(['203.0.113.21']);
  });

  it('waits for the interval when the version is unchanged; trigger() reconciles at once', async () => {
    const policy = makePolicy();
    const cycles: ReconcileResult[] = [];
    loop = startReconcileLoop({ policy, getTable: () => tableFor(policy), intervalMs: 60_000, pollMs: 10, route53Client: testRoute53Client(ep.url), ...FAST, onCycle: (r) => cycles.push(r) });
    await until(() => cycles.length === 1, 'first cycle');
    const lists = ep.callCount('ListResourceRecordSets');
    await new Promise((r) => setTimeout(r, 200));
    expect(cycles).toHaveLength(1);
    expect(ep.callCount('ListResourceRecordSets')).toBe(lists);
    loop.trigger();
    await until(() => cycles.length === 2, 'triggered cycle');
    expect(cycles[1]!.writes).toBe(0);
  });

  it('applies failovers without --force but at most N re-ranks per record set per minute (a flapping table is held back)', async () => {
    const policy = makePolicy();
    const cycles: ReconcileResult[] = [];
    let version = 1;
    let table = tableFor(policy, [], version);
    loop = startReconcileLoop({ policy, getTable: () => table, intervalMs: 60_000, pollMs: 10, maxReranksPerMinute: 2, route53Client: testRoute53Client(ep.url), ...FAST, onCycle: (r) => cycles.push(r) });
    await until(() => cycles.length >= 1, 'first cycle');
    // Flap eu-1 down/up six times: each is a health re-rank of cdn/eu/A (and us, ap).
    for (let i = 0; i < 6; i++) {
      version++;
      table = tableFor(policy, i % 2 === 0 ? ['eu-1'] : [], version);
      const n = cycles.length;
      await until(() => cycles.length > n, `cycle for version ${version}`);
    }
    const appliedEu = cycles.slice(1).filter((c) => c.applied && c.plan.zones[0]!.units.some((u) => u.id === 'cdn/eu/A')).length;
    const deferredEu = cycles.slice(1).filter((c) => c.deferred?.includes('cdn/eu/A')).length;
    // down, up applied; then the limit: each later "down" is deferred, each "up" finds Route53 already there.
    expect(appliedEu).toBe(2);
    expect(deferredEu).toBe(2);
    expect(cycles.some((c) => c.plan.warnings.join(' ').includes('re-rank of cdn/eu/A deferred: 2 re-ranks in the last minute'))).toBe(true);
    expect(ep.records(ZONE).find((r) => r.SetIdentifier === 'cdn-eu-primary')?.ResourceRecords).toEqual(['203.0.113.11']);
    // No cycle was refused by the 30% gate.
    expect(cycles.every((c) => c.plan.summary.touchedOwned === 0 || c === cycles[0])).toBe(true);
  });

  it('keeps going after a failed cycle, and stop() ends it', async () => {
    const policy = makePolicy();
    const errors: unknown[] = [];
    const cycles: ReconcileResult[] = [];
    const fault = ep.injectFault({ op: 'GetHostedZone', code: 'AccessDenied', times: 1 });
    loop = startReconcileLoop({ policy, getTable: () => tableFor(policy), intervalMs: 50, pollMs: 10, route53Client: testRoute53Client(ep.url), ...FAST, onCycle: (r) => cycles.push(r), onError: (e) => errors.push(e) });
    await until(() => cycles.length >= 1, 'a cycle after the failure');
    expect(fault.fired).toBe(1);
    expect(errors).toHaveLength(1);
    expect(ep.records(ZONE)).toHaveLength(32);
    await loop.stop();
    const calls = ep.calls.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(ep.calls.length).toBe(calls);
  });
});
