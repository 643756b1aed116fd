/**
 * The Route53 reconciler against the Route53 test endpoint, through the real
 * AWS SDK over HTTP: layout, idempotence, failover moves, renames,
 * ownership, checksums, safety threshold, health check replacement.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { reconcileOnce, renderPlan, checksumOf, type ReconcileOptions, type ReconcileResult } from '@edgesteer/route53';
import type { Policy } from '@edgesteer/policy';
import type { RoutingTable } from '@edgesteer/core';
import { startRoute53Endpoint, type Route53Endpoint, type StoredRecord } from './support/route53-endpoint.js';
import { FAST, makePolicy, tableFor, testRoute53Client } from './support/route53/fixtures.js';

const ZONE = 'ZTESTZONE1';
const WRITE_OPS = ['ChangeResourceRecordSets', 'CreateHealthCheck', 'UpdateHealthCheck', 'DeleteHealthCheck', 'ChangeTagsForResource'];

let ep: Route53Endpoint;
beforeEach(async () => {
  ep = await startRoute53Endpoint();
  ep.createZone('example.com', ZONE);
});
afterEach(async () => {
  await ep.close();
});

function run(policy: Policy, table: RoutingTable, extra: Partial<ReconcileOptions> = {}): Promise<ReconcileResult> {
  return reconcileOnce({ policy, table, route53Client: testRoute53Client(ep.url), apply: true, ...FAST, ...extra });
}
const writes = (): number => WRITE_OPS.reduce((n, op) => n + ep.callCount(op), 0);
const find = (name: string, type: string, setId?: string): StoredRecord | undefined =>
  ep.records(ZONE).find((r) => r.Name === name && r.Type === type && r.SetIdentifier === setId);
const hcIdOf = (edge: string): string => {
  const h = ep.healthChecks().find((x) => x.tags.get('edgesteer:edge') === edge);
  if (!h) throw new Error(`no health check for ${edge}`);
  return h.Id;
};

describe('first apply', () => {
  it('creates the full layout: latency records → failover sets → edges, health checks, markers', async () => {
    const policy = makePolicy();
    const r = await run(policy, tableFor(policy));
    expect(r.applied?.failedChanges).toEqual([]);

    // One health check per edge, tagged, native HTTP on the edge address.
    const hcs = ep.healthChecks();
    expect(hcs).toHaveLength(3);
    for (const h of hcs) {
      expect(h.tags.get('edgesteer:owner')).toBe('acme');
      expect(h.HealthCheckConfig.Type).toBe('HTTP');
      const edge = policy.edges.find((e) => e.id === h.tags.get('edgesteer:edge'))!;
      expect(h.HealthCheckConfig.IPAddress).toBe(edge.ipv4[0]);
      expect(h.CallerReference.startsWith('es-')).toBe(true);
    }

    const expectRegion = (region: string, aws: string, primary: string, secondary: string, third: string): void => {
      const setName = `${region}.cdn._edgesteer.example.com.`;
      expect(find('cdn.example.com.', 'A', `cdn-${region}`)).toEqual({
        Name: 'cdn.example.com.',
        Type: 'A',
        SetIdentifier: `cdn-${region}`,
        Region: aws,
        AliasTarget: { HostedZoneId: ZONE, DNSName: setName, EvaluateTargetHealth: true },
      });
      const edgeIp = (id: string) => policy.edges.find((e) => e.id === id)!.ipv4[0];
      // The chain holds every edge with its own check: PRIMARY, else the next link.
      expect(find(setName, 'A', `cdn-${region}-primary`)).toMatchObject({ Failover: 'PRIMARY', TTL: 30, ResourceRecords: [edgeIp(primary)], HealthCheckId: hcIdOf(primary) });
      expect(find(setName, 'A', `cdn-${region}-secondary`)).toEqual({ Name: setName, Type: 'A', SetIdentifier: `cdn-${region}-secondary`, Failover: 'SECONDARY', AliasTarget: { HostedZoneId: ZONE, DNSName: `_1.${setName}`, EvaluateTargetHealth: true } });
      expect(find(`_1.${setName}`, 'A', `cdn-${region}-1-primary`)).toMatchObject({ Failover: 'PRIMARY', ResourceRecords: [edgeIp(secondary)], HealthCheckId: hcIdOf(secondary) });
      expect(find(`_1.${setName}`, 'A', `cdn-${region}-1-secondary`)).toMatchObject({ Failover: 'SECONDARY', ResourceRecords: [edgeIp(third)], HealthCheckId: hcIdOf(third) });
      // Markers: same SetIdentifier and routing, owner in the value.
      expect(find(`_es-a.${setName}`, 'TXT', `cdn-${region}-primary`)).toMatchObject({ Failover: 'PRIMARY', ResourceRecords: ['"heritage=edgesteer,owner=acme,service=cdn"'] });
      expect(find('_es-a.cdn.example.com.', 'TXT', `cdn-${region}`)).toMatchObject({ Region: aws });
    };
    expectRegion('eu', 'eu-west-1', 'eu-1', 'us-1', 'ap-1');
    expectRegion('us', 'us-east-1', 'us-1', 'eu-1', 'ap-1');
    expectRegion('ap', 'ap-southeast-1', 'ap-1', 'eu-1', 'us-1');

    // 15 records + 15 markers + SOA + NS; everything in one request (minimum).
    expect(ep.records(ZONE)).toHaveLength(32);
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(1);

    // What Route53 would answer from each region.
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1')?.values).toEqual(['203.0.113.11']);
    expect(ep.evaluate('cdn.example.com', 'A', 'us-east-2')?.values).toEqual(['203.0.113.21']);
    expect(ep.evaluate('cdn.example.com', 'A', 'ap-southeast-1')?.values).toEqual(['203.0.113.31']);
    // Route53's own failover down the chain: eu-1 failing → us-1; eu-1 and us-1 failing → ap-1.
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', { 'eu-1': false })?.values).toEqual(['203.0.113.21']);
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1', { 'eu-1': false, 'us-1': false })?.values).toEqual(['203.0.113.31']);
  });

  it('second plan is empty and a second apply makes zero write calls', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    ep.resetCalls();
    const again = await run(policy, tableFor(policy));
    expect(again.plan.empty).toBe(true);
    expect(again.writes).toBe(0);
    expect(writes()).toBe(0);
    expect(renderPlan(again.plan)).toContain('No changes.');
  });
});

describe('routing changes', () => {
  it('an edge going down re-ranks the chains in one batch (health-caused, not gated); no record is added or removed', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    ep.resetCalls();
    const r = await run(policy, tableFor(policy, ['eu-1'], 2));
    const crrs = ep.calls.filter((c) => c.op === 'ChangeResourceRecordSets');
    expect(crrs).toHaveLength(1);
    expect(crrs[0]!.status).toBe(200);
    // eu: [eu-1, us-1, ap-1] → [us-1, ap-1, eu-1]; the down edge stays last with its check.
    const eu = r.plan.zones[0]!.units.find((u) => u.id === 'cdn/eu/A')!;
    expect(eu.changes.filter((c) => !c.marker).map((c) => [c.action, c.record.setIdentifier, c.changed, c.cause])).toEqual([
      ['UPSERT', 'cdn-eu-1-primary', ['values', 'healthCheckId'], 'health'],
      ['UPSERT', 'cdn-eu-1-secondary', ['values', 'healthCheckId'], 'health'],
      ['UPSERT', 'cdn-eu-primary', ['values', 'healthCheckId'], 'health'],
    ]);
    expect(r.plan.summary).toMatchObject({ touchedOwned: 0, reranked: 7, records: { create: 0, update: 7, delete: 0 } });
    expect(find('eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-primary')?.ResourceRecords).toEqual(['203.0.113.21']);
    expect(find('_1.eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-1-secondary')?.ResourceRecords).toEqual(['203.0.113.11']);
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1')?.values).toEqual(['203.0.113.21']);
    // Health checks are per edge and stay: the down edge keeps its check.
    expect(ep.callCount('CreateHealthCheck') + ep.callCount('DeleteHealthCheck')).toBe(0);
  });

  it('with nothing healthy the fallback goes first in every chain, like the other planes; nothing is removed', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    await run(policy, tableFor(policy, ['eu-1', 'us-1'], 2));
    expect(find('eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-primary')?.ResourceRecords).toEqual(['203.0.113.31']);
    const all = await run(policy, tableFor(policy, ['eu-1', 'us-1', 'ap-1'], 3));
    expect(all.plan.summary.touchedOwned).toBe(0);
    // Fallback answer = first service edge (answers: 1), then the rest in policy order.
    for (const r of ['eu', 'us', 'ap']) {
      expect(find(`${r}.cdn._edgesteer.example.com.`, 'A', `cdn-${r}-primary`)?.ResourceRecords).toEqual(['203.0.113.11']);
      expect(find(`_1.${r}.cdn._edgesteer.example.com.`, 'A', `cdn-${r}-1-secondary`)?.ResourceRecords).toEqual(['203.0.113.31']);
    }
    expect(ep.records(ZONE)).toHaveLength(32);
  });
});

describe('ownership', () => {
  it('a renamed service deletes only owned records; foreign records at the same names stay', async () => {
    const r53 = testRoute53Client(ep.url);
    const foreign = [
      { Name: 'cdn.example.com', Type: 'TXT' as const, TTL: 60, ResourceRecords: [{ Value: '"site-verification=abc"' }] },
      { Name: 'cdn.example.com', Type: 'A' as const, SetIdentifier: 'manual-sa', Region: 'sa-east-1' as const, TTL: 60, ResourceRecords: [{ Value: '203.0.113.99' }] },
      { Name: 'x.cdn._edgesteer.example.com', Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '203.0.113.98' }] },
      { Name: 'www.example.com', Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '203.0.113.97' }] },
    ];
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: ZONE, ChangeBatch: { Changes: foreign.map((f) => ({ Action: 'CREATE', ResourceRecordSet: f })) } }));
    const foreignNow = (): StoredRecord[] => ep.records(ZONE).filter((r) => foreign.some((f) => `${f.Name}.` === r.Name && f.Type === r.Type && f.SetIdentifier === r.SetIdentifier));
    const before = foreignNow();
    expect(before).toHaveLength(4);

    const policy = makePolicy();
    const first = await run(policy, tableFor(policy));
    expect(first.plan.conflicts).toEqual([]);
    expect(foreignNow()).toEqual(before);

    const renamed = makePolicy({ services: [{ id: 'edge', name: 'edge.example.com', edges: ['eu-1', 'us-1', 'ap-1'] }] });
    const r = await run(renamed, tableFor(renamed), { force: true });
    expect(r.plan.summary.records).toEqual({ create: 15, update: 0, delete: 15 });
    expect(foreignNow()).toEqual(before);
    const names = new Set(ep.records(ZONE).map((x) => x.Name));
    expect(names.has('eu.cdn._edgesteer.example.com.')).toBe(false);
    expect(names.has('_es-a.cdn.example.com.')).toBe(false);
    expect(names.has('eu.edge._edgesteer.example.com.')).toBe(true);
    // cdn.example.com now holds only the foreign records.
    expect(ep.records(ZONE).filter((x) => x.Name === 'cdn.example.com.').map((x) => x.SetIdentifier ?? x.Type)).toEqual(['manual-sa', 'TXT']);
    // Health checks are per edge, so they are kept and reused.
    expect(ep.healthChecks()).toHaveLength(3);
    expect((await run(renamed, tableFor(renamed))).plan.empty).toBe(true);
  });

  it('a record at our key without a marker is a conflict until --take-ownership', async () => {
    const r53 = testRoute53Client(ep.url);
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'cdn.example.com', Type: 'A', SetIdentifier: 'cdn-eu', Region: 'eu-west-1', TTL: 60, ResourceRecords: [{ Value: '203.0.113.99' }] } }] },
      }),
    );
    const policy = makePolicy();
    const r = await run(policy, tableFor(policy));
    expect(r.plan.conflicts).toEqual([
      { zone: 'example.com.', name: 'cdn.example.com.', type: 'A', setIdentifier: 'cdn-eu', reason: expect.stringContaining('--take-ownership') },
    ]);
    expect(find('cdn.example.com.', 'A', 'cdn-eu')?.ResourceRecords).toEqual(['203.0.113.99']);
    expect(renderPlan((await run(policy, tableFor(policy))).plan)).toMatch(/! cdn\.example\.com\. A cdn-eu: exists without an edgesteer ownership marker/);

    const taken = await run(policy, tableFor(policy), { takeOwnership: true });
    const change = taken.plan.zones[0]!.units.flatMap((u) => u.changes).find((c) => c.record.setIdentifier === 'cdn-eu' && !c.marker);
    expect(change).toMatchObject({ action: 'UPSERT', why: 'take-ownership' });
    expect(find('cdn.example.com.', 'A', 'cdn-eu')?.AliasTarget?.DNSName).toBe('eu.cdn._edgesteer.example.com.');
    expect(find('_es-a.cdn.example.com.', 'TXT', 'cdn-eu')).toBeDefined();
    expect((await run(policy, tableFor(policy))).plan.empty).toBe(true);
  });

  it('a simple record in the way is replaced only with --take-ownership, in the same batch', async () => {
    ep.putRecord(ZONE, { Name: 'cdn.example.com.', Type: 'A', TTL: 60, ResourceRecords: ['203.0.113.99'] });
    const policy = makePolicy();
    const r = await run(policy, tableFor(policy));
    expect(r.plan.conflicts.map((c) => [c.name, c.type, c.setIdentifier])).toEqual([['cdn.example.com.', 'A', undefined]]);
    expect(find('cdn.example.com.', 'A', 'cdn-eu')).toBeUndefined();
    // The failover sets were still written; only the records at the blocked name wait.
    expect(find('eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-primary')).toBeDefined();

    ep.resetCalls();
    const taken = await run(policy, tableFor(policy), { takeOwnership: true });
    expect(taken.applied?.failedChanges).toEqual([]);
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(1);
    expect(find('cdn.example.com.', 'A')).toBeUndefined();
    expect(find('cdn.example.com.', 'A', 'cdn-eu')).toBeDefined();
  });

  it('records owned by another edgesteer owner are never touched', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const other = makePolicy({ owner: 'globex', services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['eu-1', 'us-1', 'ap-1'] }] });
    ep.resetCalls();
    const r = await run(other, tableFor(other, ['eu-1']), { takeOwnership: true });
    expect(r.plan.conflicts.length).toBeGreaterThanOrEqual(15);
    expect(r.plan.conflicts.every((c) => c.reason.includes('owner acme'))).toBe(true);
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(0);
    // globex created its own health checks; acme's are untouched.
    expect(ep.healthChecks().filter((h) => h.tags.get('edgesteer:owner') === 'acme')).toHaveLength(3);
  });
});

describe('plan review', () => {
  it('apply --checksum refuses a plan that changed since review, and applies the reviewed one', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const reviewed = await reconcileOnce({ policy, table: tableFor(policy, ['us-1'], 2), route53Client: testRoute53Client(ep.url), ...FAST });
    expect(reviewed.plan.empty).toBe(false);
    ep.resetCalls();
    await expect(run(policy, tableFor(policy, ['ap-1'], 3), { checksum: reviewed.plan.checksum })).rejects.toMatchObject({ code: 'E_R53_CHECKSUM_MISMATCH' });
    expect(writes()).toBe(0);
    const ok = await run(policy, tableFor(policy, ['us-1'], 2), { checksum: reviewed.plan.checksum });
    expect(ok.plan.checksum).toBe(reviewed.plan.checksum);
    expect(ok.applied?.batches).toBe(1);
    // The checksum is the hash of the plan body.
    const { owner, zones, healthChecks, alarms } = reviewed.plan;
    expect(checksumOf({ owner, zones, healthChecks, alarms })).toBe(reviewed.plan.checksum);
  });

  it('the gate refuses policy changes touching >30% of ≥10 owned records without --force; failovers are not counted', async () => {
    const edges = [
      { id: 'eu-1', region: 'eu', ipv4: ['203.0.113.11'], ipv6: ['2001:db8::1'] },
      { id: 'us-1', region: 'us', ipv4: ['203.0.113.21'], ipv6: ['2001:db8::2'] },
      { id: 'ap-1', region: 'ap', ipv4: ['203.0.113.31'], ipv6: ['2001:db8::3'] },
    ];
    const services = [
      { id: 'cdn', name: 'cdn.example.com', edges: ['eu-1', 'us-1', 'ap-1'], types: ['A', 'AAAA'] as Array<'A' | 'AAAA'> },
      { id: 'img', name: 'img.example.com', edges: ['eu-1', 'us-1', 'ap-1'], types: ['A', 'AAAA'] as Array<'A' | 'AAAA'> },
      { id: 'api', name: 'api.example.com', edges: ['eu-1', 'us-1', 'ap-1'], types: ['A', 'AAAA'] as Array<'A' | 'AAAA'> },
    ];
    const policy = makePolicy({ edges, services });
    const first = await run(policy, tableFor(policy));
    expect(first.plan.summary.records.create).toBe(90);

    // One edge down re-ranks 42 of 90 owned records (47%): applied without --force.
    ep.resetCalls();
    const failover = await run(policy, tableFor(policy, ['eu-1'], 2));
    expect(failover.plan.summary).toMatchObject({ touchedOwned: 0, reranked: 42 });
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(1);

    // Removing two services of three deletes 60 of 90: refused, nothing written…
    const oneService = makePolicy({ edges, services: [services[0]!] });
    const planned = await reconcileOnce({ policy: oneService, table: tableFor(oneService, ['eu-1'], 3), route53Client: testRoute53Client(ep.url), ...FAST });
    expect(renderPlan(planned.plan)).toContain("! this plan's policy/ownership changes update or delete 60 of 90 owned records (66.7%, limit 30%; health/RTT re-ranks not counted); apply refuses without --force");
    ep.resetCalls();
    await expect(run(oneService, tableFor(oneService, ['eu-1'], 3))).rejects.toMatchObject({ code: 'E_R53_SAFETY_THRESHOLD', message: expect.stringContaining('60 of 90 owned records') });
    expect(writes()).toBe(0);
    // …unless forced.
    const forced = await run(oneService, tableFor(oneService, ['eu-1'], 3), { force: true });
    expect(forced.plan.summary.touchedOwned).toBe(60);
    expect(ep.records(ZONE).some((r) => r.Name === 'img.example.com.')).toBe(false);
  });

  it('renders per zone with + / ~ / - lines and a summary', async () => {
    const policy = makePolicy();
    const created = await run(policy, tableFor(policy));
    const text = renderPlan(created.plan);
    expect(text).toContain(`Zone example.com. (${ZONE})`);
    expect(text).toContain('  + cdn.example.com. A latency eu-west-1 [cdn-eu] → alias eu.cdn._edgesteer.example.com. (evaluate target health)');
    expect(text).toContain('  + eu.cdn._edgesteer.example.com. A failover PRIMARY [cdn-eu-primary] ttl 30 → 203.0.113.11 health check (new, edge eu-1)');
    expect(text).toContain('  (ownership markers: +15 ~0 -0)');
    expect(text).toContain('  + eu-1: HTTP 203.0.113.11:80/health every 10s, 3 failures');
    expect(text).toContain('Plan: 15 to create, 0 to update, 0 to delete (records); health checks: 3 to create, 0 to update, 0 to delete; alarms: 0 to put, 0 to delete.');

    const moved = await reconcileOnce({ policy, table: tableFor(policy, ['eu-1'], 2), route53Client: testRoute53Client(ep.url), ...FAST });
    const t2 = renderPlan(moved.plan);
    expect(t2).toContain('  ~ eu.cdn._edgesteer.example.com. A failover PRIMARY [cdn-eu-primary]');
    expect(t2).toContain('      values: 203.0.113.11 → 203.0.113.21');
    expect(t2).toMatch(new RegExp(`      healthCheckId: ${hcIdOf('eu-1')} → ${hcIdOf('us-1')}`));
    expect(t2).toContain('Plan: 0 to create, 7 to update, 0 to delete (records)');

    const gone = makePolicy({ services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['eu-1'] }] });
    const t3 = renderPlan((await reconcileOnce({ policy: gone, table: tableFor(gone), route53Client: testRoute53Client(ep.url), ...FAST })).plan);
    expect(t3).toContain('  - _1.eu.cdn._edgesteer.example.com. A failover PRIMARY [cdn-eu-1-primary] ttl 30 → 203.0.113.21');
    expect(t3).toContain('  - eu.cdn._edgesteer.example.com. A failover SECONDARY [cdn-eu-secondary] → alias _1.eu.cdn._edgesteer.example.com. (evaluate target health)');
    expect(t3).toMatch(/  - us-1 \([0-9a-f-]+\)/);
  });
});

describe('health checks', () => {
  it('replaces a check whose immutable fields change: create new, repoint records, delete old', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const oldId = hcIdOf('eu-1');
    const changed = structuredClone(policy);
    const eu = changed.edges.find((e) => e.id === 'eu-1')!;
    eu.check = { ...eu.check, type: 'https', port: 443 };
    ep.resetCalls();
    const r = await run(changed, tableFor(changed), { force: true });
    expect(r.plan.healthChecks).toEqual([expect.objectContaining({ action: 'replace', edge: 'eu-1', id: oldId, changed: ['type', 'port', 'enableSNI'] })]);
    const newId = hcIdOf('eu-1');
    expect(newId).not.toBe(oldId);
    expect(ep.healthChecks().find((h) => h.Id === oldId)).toBeUndefined();
    expect(ep.healthChecks().find((h) => h.Id === newId)?.HealthCheckConfig).toMatchObject({ Type: 'HTTPS', Port: 443, EnableSNI: true });
    for (const rec of ep.records(ZONE)) expect(rec.HealthCheckId === undefined || rec.HealthCheckId !== oldId).toBe(true);
    expect(find('eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-primary')?.HealthCheckId).toBe(newId);
    // Order: create, tag, repoint, (wait), delete old.
    const ops = ep.calls.map((c) => c.op).filter((op) => WRITE_OPS.includes(op));
    expect(ops).toEqual(['CreateHealthCheck', 'ChangeTagsForResource', 'ChangeResourceRecordSets', 'DeleteHealthCheck']);
    expect((await run(changed, tableFor(changed))).plan.empty).toBe(true);
  });

  it('updates mutable fields in place with the version read', async () => {
    const policy = makePolicy();
    await run(policy, tableFor(policy));
    const id = hcIdOf('us-1');
    const changed = structuredClone(policy);
    const us = changed.edges.find((e) => e.id === 'us-1')!;
    us.check = { ...us.check, fall: 5, path: '/ready' };
    ep.resetCalls();
    const r = await run(changed, tableFor(changed));
    expect(r.plan.healthChecks).toEqual([expect.objectContaining({ action: 'update', id, version: 1, changed: ['resourcePath', 'failureThreshold'] })]);
    expect(ep.healthChecks().find((h) => h.Id === id)).toMatchObject({ HealthCheckVersion: 2, HealthCheckConfig: { ResourcePath: '/ready', FailureThreshold: 5 } });
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(0);
  });
});

describe('edges behind an alias target', () => {
  it('writes alias failover records with the edge check and EvaluateTargetHealth', async () => {
    const policy = makePolicy({
      edges: [
        { id: 'eu-lb', region: 'eu', alias: { dnsName: 'eu-lb-1.elb.amazonaws.com', hostedZoneId: 'Z32O12XQLNTSW2', evaluateTargetHealth: true } },
        { id: 'us-1', region: 'us', ipv4: ['203.0.113.21'] },
        { id: 'ap-1', region: 'ap', ipv4: ['203.0.113.31'] },
      ],
    });
    const r = await run(policy, tableFor(policy));
    expect(r.applied?.failedChanges).toEqual([]);
    expect(find('eu.cdn._edgesteer.example.com.', 'A', 'cdn-eu-primary')).toEqual({
      Name: 'eu.cdn._edgesteer.example.com.',
      Type: 'A',
      SetIdentifier: 'cdn-eu-primary',
      Failover: 'PRIMARY',
      AliasTarget: { HostedZoneId: 'Z32O12XQLNTSW2', DNSName: 'eu-lb-1.elb.amazonaws.com.', EvaluateTargetHealth: true },
      HealthCheckId: hcIdOf('eu-lb'),
    });
    // The native check of an alias-only edge targets the alias name.
    expect(ep.healthChecks().find((h) => h.Id === hcIdOf('eu-lb'))?.HealthCheckConfig.FullyQualifiedDomainName).toBe('eu-lb-1.elb.amazonaws.com');
    expect(ep.evaluate('cdn.example.com', 'A', 'eu-west-1')).toMatchObject({ values: [], aliasTarget: 'eu-lb-1.elb.amazonaws.com.' });
    expect((await run(policy, tableFor(policy))).plan.empty).toBe(true);
  });
});

describe('IP-based routing for clientCidrs', () => {
  const withCidrs = (cidrs: Record<string, string[]>): Policy => {
    const p = makePolicy();
    for (const r of p.regions) r.clientCidrs = cidrs[r.id] ?? [];
    return p;
  };

  it('creates the collection (≤ 1,000 blocks per request, CollectionVersion), CIDR records with * → latency, and cleans up when the CIDRs go', async () => {
    // 1,500 /24s for eu, a few for ap: two ChangeCidrCollection requests.
    const eu = Array.from({ length: 1500 }, (_v, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
    const policy = withCidrs({ eu, ap: ['198.51.100.0/24', '2001:db8:3::/48'] });
    const r = await run(policy, tableFor(policy));
    expect(r.applied?.failedChanges).toEqual([]);
    expect(r.plan.cidr).toMatchObject({ action: 'create', name: 'edgesteer-acme' });
    const changes = ep.calls.filter((c) => c.op === 'ChangeCidrCollection');
    expect(changes.map((c) => c.status)).toEqual([200, 200]);
    const [col] = ep.cidrCollections();
    expect(col!.version).toBe(3);
    expect(col!.locations.get('eu')!.size).toBe(1500);
    expect([...col!.locations.get('ap')!].sort()).toEqual(['198.51.100.0/24', '2001:db8:3::/48']);
    // The name is IP-routed: eu and ap locations → their chains, * → the latency records.
    const atName = ep.records(ZONE).filter((x) => x.Name === 'cdn.example.com.' && x.Type === 'A');
    expect(atName.map((x) => [x.SetIdentifier, x.CidrRoutingConfig?.LocationName, x.AliasTarget?.DNSName]).sort()).toEqual([
      ['cdn-cidr-ap', 'ap', 'ap.cdn._edgesteer.example.com.'],
      ['cdn-cidr-default', '*', '_latency.cdn._edgesteer.example.com.'],
      ['cdn-cidr-eu', 'eu', 'eu.cdn._edgesteer.example.com.'],
    ]);
    // Mapped clients get their region whatever their AWS region; the others keep latency routing.
    expect(ep.evaluate('cdn.example.com', 'A', { awsRegion: 'us-east-1', ip: '198.51.100.9' })?.values).toEqual(['203.0.113.31']);
    expect(ep.evaluate('cdn.example.com', 'A', { awsRegion: 'us-east-1', ip: '10.3.7.1' })?.values).toEqual(['203.0.113.11']);
    expect(ep.evaluate('cdn.example.com', 'A', { awsRegion: 'eu-west-2', ip: '192.0.2.1' })?.values).toEqual(['203.0.113.11']);
    expect(ep.evaluate('cdn.example.com', 'A', { awsRegion: 'us-east-2', ip: '192.0.2.1' })?.values).toEqual(['203.0.113.21']);
    expect((await run(policy, tableFor(policy))).plan.empty).toBe(true);

    // A block moves from ap to us: it leaves ap in the same ChangeCidrCollection request it joins us.
    const moved = withCidrs({ eu, us: ['198.51.100.0/24'], ap: ['2001:db8:3::/48'] });
    ep.resetCalls();
    const m = await run(moved, tableFor(moved), { force: true });
    expect(ep.calls.filter((c) => c.op === 'ChangeCidrCollection')).toHaveLength(1);
    expect(m.plan.cidr).toMatchObject({ action: 'update', put: [{ location: 'us', blocks: ['198.51.100.0/24'] }], remove: [{ location: 'ap', blocks: ['198.51.100.0/24'] }] });
    expect(ep.evaluate('cdn.example.com', 'A', { awsRegion: 'ap-southeast-1', ip: '198.51.100.9' })?.values).toEqual(['203.0.113.21']);

    // No clientCidrs any more: CIDR records go (a policy change, gated), then the collection.
    const none = withCidrs({});
    await expect(run(none, tableFor(none))).rejects.toMatchObject({ code: 'E_R53_SAFETY_THRESHOLD' });
    const gone = await run(none, tableFor(none), { force: true });
    expect(gone.plan.cidr).toMatchObject({ action: 'delete' });
    // The name switches from CIDR to latency routing in one batch: nothing refused, never empty.
    expect(gone.applied?.failedChanges).toEqual([]);
    expect(ep.cidrCollections()).toEqual([]);
    expect(ep.records(ZONE).filter((x) => x.CidrRoutingConfig)).toEqual([]);
    expect(find('cdn.example.com.', 'A', 'cdn-eu')?.Region).toBe('eu-west-1');
    expect((await run(none, tableFor(none))).plan.empty).toBe(true);
  });

  it('a concurrent change to the collection (stale CollectionVersion) fails the apply with a stable code; the next run converges', async () => {
    const policy = withCidrs({ eu: ['198.51.100.0/24'] });
    await run(policy, tableFor(policy));
    const more = withCidrs({ eu: ['198.51.100.0/24', '203.0.113.0/24'] });
    const reviewed = await reconcileOnce({ policy: more, table: tableFor(more), route53Client: testRoute53Client(ep.url), ...FAST });
    // Someone else changes the collection between our read and our write.
    const id = ep.cidrCollections()[0]!.id;
    const { ChangeCidrCollectionCommand } = await import('@aws-sdk/client-route-53');
    await testRoute53Client(ep.url).send(new ChangeCidrCollectionCommand({ Id: id, Changes: [{ LocationName: 'us', Action: 'PUT', CidrList: ['192.0.2.0/24'] }] }));
    const { applyPlan, ApiCaller } = await import('@edgesteer/route53');
    await expect(applyPlan(new ApiCaller(testRoute53Client(ep.url), undefined, FAST), reviewed.plan, FAST)).rejects.toMatchObject({ code: 'E_R53_APPLY_FAILED', message: expect.stringContaining('CidrCollectionVersionMismatch') });
    const next = await run(more, tableFor(more));
    expect(next.plan.cidr).toMatchObject({ action: 'update', remove: [{ location: 'us', blocks: ['192.0.2.0/24'] }] });
    expect((await run(more, tableFor(more))).plan.empty).toBe(true);
  });
});
