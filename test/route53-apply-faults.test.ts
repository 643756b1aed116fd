/**
 * Apply under adverse conditions, against the Route53 test endpoint:
 * throttling storms, busy zones, 5xx, interrupted applies, invalid changes,
 * health checks still in use, slow propagation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { ApiCaller, applyPlan, reconcileOnce, type ReconcileOptions, type ReconcileResult, type ProgressEvent } from '@edgesteer/route53';
import type { Policy } from '@edgesteer/policy';
import type { RoutingTable } from '@edgesteer/core';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZTESTZONE1';
let ep: Route53Endpoint;
beforeEach(async () => {
  ep = await startRoute53Endpoint({ seed: 7 });
  ep.createZone('example.com', ZONE);
});
afterEach(async () => {
  await ep.close();
});

function run(policy: Policy, table: RoutingTable, extra: Partial<ReconcileOptions> = {}): Promise<ReconcileResult> {
  return reconcileOnce({ policy, table, route53Client: testRoute53Client(ep.url), apply: true, ...FAST, ...extra });
}

/** Many services so an apply takes several batches (with small limits). */
function bigPolicy(services = 12): Policy {
  return makePolicy({
    services: Array.from({ length: services }, (_v, i) => ({ id: `svc${i}`, name: `svc${i}.example.com`, edges: ['eu-1', 'us-1', 'ap-1'] })),
  });
}
const SMALL_BATCHES = { limits: { maxRecords: 40, maxValueChars: 32_000 } };

describe('retries', () => {
  it('converges through a throttling storm (Throttling on every operation, PriorRequestNotComplete on changes)', async () => {
    const policy = bigPolicy();
    const throttle = ep.injectFault({ code: 'Throttling', rate: 0.5 });
    const busy = ep.injectFault({ op: 'ChangeResourceRecordSets', code: 'PriorRequestNotComplete', rate: 0.4 });
    const retries: string[] = [];
    const r = await run(policy, tableFor(policy), { ...SMALL_BATCHES, retry: { ...FAST.retry, maxAttempts: 30, onRetry: (i) => retries.push(i.code) } });
    expect(r.applied?.failedChanges).toEqual([]);
    expect(r.applied!.batches).toBeGreaterThan(5);
    expect(throttle.fired).toBeGreaterThan(10);
    expect(busy.fired).toBeGreaterThan(0);
    expect(new Set(retries)).toEqual(new Set(['Throttling', 'PriorRequestNotComplete']));
    // Every injected error was retried: the endpoint saw exactly attempts = successes + faults.
    expect(ep.calls.filter((c) => c.injected)).toHaveLength(throttle.fired + busy.fired);
    ep.clearFaults();
    const again = await run(policy, tableFor(policy));
    expect(again.plan.empty).toBe(true);
    expect(ep.records(ZONE)).toHaveLength(2 + 12 * 15 * 2);
  });

  it('retries 5xx with backoff and gives up with a stable code when attempts run out', async () => {
    const policy = makePolicy();
    ep.injectFault({ op: 'ListResourceRecordSets', code: 'ServiceUnavailable', times: 3 });
    const delays: number[] = [];
    const r = await run(policy, tableFor(policy), { retry: { maxAttempts: 5, baseMs: 2, capMs: 50, onRetry: (i) => delays.push(i.delayMs) } });
    expect(r.applied?.batches).toBe(1);
    expect(delays).toHaveLength(3);
    // Full jitter: each delay below base·2^attempt.
    delays.forEach((d, i) => expect(d).toBeLessThan(2 * 2 ** i));

    ep.injectFault({ op: 'GetHostedZone', code: 'InternalFailure' });
    await expect(run(policy, tableFor(policy), { retry: { maxAttempts: 3, baseMs: 1, capMs: 2 } })).rejects.toMatchObject({ code: 'E_R53_RETRIES_EXHAUSTED' });
    expect(ep.calls.filter((c) => c.op === 'GetHostedZone' && c.status === 500)).toHaveLength(3);
  });
});

describe('interrupted applies converge on the next run', () => {
  it('records: the apply dies after two batches; the next run finishes the job', async () => {
    const policy = bigPolicy();
    ep.injectFault({ op: 'ChangeResourceRecordSets', code: 'AccessDenied', message: 'simulated crash', after: 2, times: 1 });
    await expect(run(policy, tableFor(policy), SMALL_BATCHES)).rejects.toMatchObject({ code: 'E_R53_APPLY_FAILED' });
    const partial = ep.records(ZONE).length;
    expect(partial).toBeGreaterThan(2);
    expect(partial).toBeLessThan(2 + 12 * 30);
    // Units are atomic: every record written so far has its marker.
    const names = ep.records(ZONE).filter((r) => r.Type === 'A');
    for (const r of names) {
      expect(ep.records(ZONE).some((m) => m.Type === 'TXT' && m.Name === `_es-a.${r.Name}` && m.SetIdentifier === r.SetIdentifier)).toBe(true);
    }
    const next = await run(policy, tableFor(policy), SMALL_BATCHES);
    expect(next.plan.summary.records.create).toBe(12 * 15 - (partial - 2) / 2);
    expect(next.plan.healthChecks).toEqual([]);
    expect((await run(policy, tableFor(policy))).plan.empty).toBe(true);
  });

  it('health checks: a check created but never tagged is adopted by its CallerReference, not duplicated', async () => {
    const policy = makePolicy();
    ep.injectFault({ op: 'ChangeTagsForResource', code: 'AccessDenied', message: 'simulated crash', after: 1, times: 1 });
    await expect(run(policy, tableFor(policy))).rejects.toThrow();
    expect(ep.healthChecks()).toHaveLength(2);
    const untagged = ep.healthChecks().filter((h) => h.tags.size === 0);
    expect(untagged).toHaveLength(1);
    const next = await run(policy, tableFor(policy));
    expect(next.plan.healthChecks.map((h) => [h.action, h.edge, h.id])).toEqual([
      // Checks are handled in edge order: ap-1 was created and tagged, eu-1 created only.
      ['adopt', 'eu-1', untagged[0]!.Id],
      ['create', 'us-1', undefined],
    ]);
    expect(ep.healthChecks()).toHaveLength(3);
    expect(ep.healthChecks().every((h) => h.tags.get('edgesteer:owner') === 'acme')).toBe(true);
    expect((await run(policy, tableFor(policy))).plan.empty).toBe(true);
  });

  it('health check replacement interrupted before the old check is deleted: the next run deletes it', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const oldId = ep.healthChecks().find((h) => h.tags.get('edgesteer:edge') === 'eu-1')!.Id;
    const changed = structuredClone(policy);
    changed.edges[0]!.check = { ...changed.edges[0]!.check, type: 'tcp', port: 9000 };
    ep.injectFault({ op: 'DeleteHealthCheck', code: 'AccessDenied', times: 1 });
    const r = await run(changed, tableFor(changed));
    expect(r.applied?.failedHealthChecks).toEqual([expect.objectContaining({ id: oldId, code: 'AccessDenied' })]);
    expect(ep.healthChecks().filter((h) => h.tags.get('edgesteer:edge') === 'eu-1')).toHaveLength(2);
    const next = await run(changed, tableFor(changed));
    expect(next.plan.healthChecks).toEqual([expect.objectContaining({ action: 'delete', edge: 'eu-1', id: oldId })]);
    expect(next.plan.summary.records).toEqual({ create: 0, update: 0, delete: 0 });
    expect(ep.healthChecks().filter((h) => h.tags.get('edgesteer:edge') === 'eu-1')).toHaveLength(1);
  });
});

describe('invalid changes', () => {
  it('one invalid change does not block the zone: split and retry, then report the bad one precisely', async () => {
    const policy = bigPolicy(6);
    // An edge aliasing a name in this zone that does not exist: Route53 rejects records using it.
    const bad = structuredClone(policy);
    bad.edges.push({ ...structuredClone(bad.edges[0]!), id: 'broken', region: 'ap', ipv4: [], alias: { dnsName: 'missing.example.com', hostedZoneId: ZONE, evaluateTargetHealth: false } });
    bad.services[3]!.edges = ['broken', 'ap-1'];
    const progress: ProgressEvent[] = [];
    const r = await run(bad, tableFor(bad), { onProgress: (e) => progress.push(e) });
    const failed = r.applied!.failedChanges;
    // Every region of svc3 puts `broken` first (level-0 PRIMARY of a chain broken → ap-1): 3 records fail, nothing else.
    expect(failed.map((f) => [f.unit.replace(/#\d+$/, ''), f.changes.map((c) => `${c.action} ${c.name} ${c.setIdentifier}`)])).toEqual(
      ['eu', 'us', 'ap'].map((reg) => [
        `svc3/${reg}/A`,
        [`CREATE ${reg}.svc3._edgesteer.example.com. svc3-${reg}-primary`, `CREATE _es-a.${reg}.svc3._edgesteer.example.com. svc3-${reg}-primary`],
      ]),
    );
    for (const f of failed) {
      expect(f.code).toBe('InvalidChangeBatch');
      expect(f.messages.join(' ')).toContain('missing.example.com.');
    }
    // Everything else landed, including svc3's SECONDARY and latency records.
    expect(ep.records(ZONE).filter((x) => !x.Name.includes('svc3') && x.Type !== 'SOA' && x.Type !== 'NS')).toHaveLength(5 * 30);
    expect(ep.records(ZONE).some((x) => x.SetIdentifier === 'svc3-eu-secondary')).toBe(true);
    expect(progress.some((p) => p.phase === 'records')).toBe(true);
  });

  it('a record created behind our back between plan and apply is isolated too', async () => {
    const policy = makePolicy();
    const reviewed = await reconcileOnce({ policy, table: tableFor(policy), route53Client: testRoute53Client(ep.url), ...FAST });
    await testRoute53Client(ep.url).send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'cdn.example.com', Type: 'A', SetIdentifier: 'cdn-us', Region: 'us-east-1', TTL: 5, ResourceRecords: [{ Value: '203.0.113.99' }] } }] },
      }),
    );
    const caller = new ApiCaller(testRoute53Client(ep.url), undefined, FAST);
    const r = await applyPlan(caller, reviewed.plan, FAST);
    expect(r.failedChanges.map((f) => f.changes.map((c) => `${c.name} ${c.setIdentifier}`))).toEqual([['cdn.example.com. cdn-us', '_es-a.cdn.example.com. cdn-us']]);
    expect(r.failedChanges[0]!.messages[0]).toBe("Tried to create resource record set [name='cdn.example.com.', type='A', set-identifier='cdn-us'] but it already exists");
    // Halving: 1 failed full batch, then halves, quarters… down to the pair.
    expect(r.batches).toBeGreaterThan(1);
    expect(ep.records(ZONE).filter((x) => x.Type === 'A')).toHaveLength(15);
    // The next plan reports the foreign record as a conflict instead.
    const next = await run(policy, tableFor(policy));
    expect(next.plan.conflicts.map((c) => c.setIdentifier)).toEqual(['cdn-us']);
  });
});

describe('health checks in use and propagation', () => {
  it('a check still referenced by a record we do not own is reported and kept; the next run tries again', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const apId = ep.healthChecks().find((h) => h.tags.get('edgesteer:edge') === 'ap-1')!.Id;
    await testRoute53Client(ep.url).send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'other.example.com', Type: 'A', SetIdentifier: 'x', Failover: 'PRIMARY', TTL: 5, ResourceRecords: [{ Value: '203.0.113.99' }], HealthCheckId: apId } }] },
      }),
    );
    const fewer = makePolicy({ services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['eu-1', 'us-1'] }] });
    const r = await run(fewer, tableFor(fewer), { force: true });
    expect(r.applied!.failedHealthChecks).toEqual([expect.objectContaining({ edge: 'ap-1', id: apId, action: 'delete', code: 'HealthCheckInUse' })]);
    expect(ep.healthChecks().some((h) => h.Id === apId)).toBe(true);
    // Records no longer reference it.
    expect(ep.records(ZONE).filter((x) => x.HealthCheckId === apId).map((x) => x.Name)).toEqual(['other.example.com.']);
    const next = await run(fewer, tableFor(fewer));
    expect(next.plan.healthChecks).toEqual([expect.objectContaining({ action: 'delete', id: apId })]);
    expect(next.applied!.failedHealthChecks.map((f) => f.code)).toEqual(['HealthCheckInUse']);
  });

  it('waits for PENDING changes to become INSYNC, and times out with a stable code', async () => {
    await ep.close();
    ep = await startRoute53Endpoint({ insyncAfterPolls: 3 });
    ep.createZone('example.com', ZONE);
    const policy = makePolicy();
    const r = await run(policy, tableFor(policy));
    expect(r.applied?.changeIds).toHaveLength(1);
    expect(ep.callCount('GetChange')).toBe(4);

    await ep.close();
    ep = await startRoute53Endpoint({ insyncAfterMs: 60_000 });
    ep.createZone('example.com', ZONE);
    await expect(run(policy, tableFor(policy), { insyncTimeoutMs: 30, insyncPollMs: 5 })).rejects.toMatchObject({ code: 'E_R53_INSYNC_TIMEOUT' });
    // The records are written; the next run has nothing left to do.
    expect((await run(policy, tableFor(policy), { waitForInsync: false })).plan.empty).toBe(true);
  });
});
