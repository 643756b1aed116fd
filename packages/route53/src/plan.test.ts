import { describe, expect, it } from 'vitest';
import { buildPlan } from './plan.js';
import { markerFor } from './ownership.js';
import type { CurrentHealthCheck, CurrentState, DesiredState, RecordSet } from './model.js';
import { TAG_EDGE, TAG_OWNER, callerRefStem } from './names.js';
import { renderPlan } from './render.js';

const Z = 'Z1';
const failover = (role: 'PRIMARY' | 'SECONDARY', ip: string, hc?: string): RecordSet => ({
  name: 'eu.cdn._edgesteer.example.com.', type: 'A', setIdentifier: `cdn-eu-${role.toLowerCase()}`, failover: role, ttl: 30, values: [ip], ...(hc ? { healthCheckId: hc } : {}),
});
const latency: RecordSet = { name: 'cdn.example.com.', type: 'A', setIdentifier: 'cdn-eu', region: 'eu-west-1', alias: { hostedZoneId: Z, dnsName: 'eu.cdn._edgesteer.example.com.', evaluateTargetHealth: true } };
const owned = (r: RecordSet, owner = 'acme'): RecordSet[] => [r, markerFor(r, owner, 'cdn')];

function desired(records: DesiredState['zones'][number]['units'][number]['records'] = [{ ...failover('PRIMARY', '127.0.0.1'), healthCheckEdge: 'e1' }, latency]): DesiredState {
  return { owner: 'acme', zones: [{ hostedZoneId: Z, name: 'example.com.', units: [{ id: 'cdn/eu/A', service: 'cdn', records }] }], healthChecks: { e1: { type: 'TCP', ipAddress: '127.0.0.1', port: 80, requestInterval: 30, failureThreshold: 3 } }, alarms: {} };
}
const hc = (id: string, edge: string, owner: string | undefined = 'acme', spec = desired().healthChecks['e1']!): CurrentHealthCheck => ({
  id, callerReference: `${callerRefStem('acme', edge)}x${id}`, version: 1, spec, tags: owner ? { [TAG_OWNER]: owner, [TAG_EDGE]: edge } : {},
});
const current = (records: RecordSet[], healthChecks = [hc('h1', 'e1')]): CurrentState => ({ zones: [{ hostedZoneId: Z, name: 'example.com.', records }], healthChecks, alarms: [] });

describe('buildPlan', () => {
  it('is empty when everything matches, and the checksum does not depend on key order', () => {
    const cur = current([...owned(failover('PRIMARY', '127.0.0.1', 'h1')), ...owned(latency)]);
    const plan = buildPlan(desired(), cur);
    expect(plan.empty).toBe(true);
    expect(plan.summary.ownedRecords).toBe(2);
    const reordered = current([...owned(latency), ...owned(failover('PRIMARY', '127.0.0.1', 'h1'))].map((r) => Object.fromEntries(Object.entries(r).reverse()) as unknown as RecordSet));
    expect(buildPlan(desired(), reordered).checksum).toBe(plan.checksum);
    expect(renderPlan(plan)).toContain('No changes.');
  });

  it('orders a unit: deletes of latency records, then failover deletes, failover writes, latency writes', () => {
    const oldSecondary = failover('SECONDARY', '127.0.0.2', 'h1');
    const cur = current([...owned(failover('PRIMARY', '127.0.0.9', 'h1')), ...owned(oldSecondary)]);
    const plan = buildPlan(desired(), cur);
    const unit = plan.zones[0]!.units[0]!;
    expect(unit.id).toBe('cdn/eu/A');
    expect(unit.changes.map((c) => `${c.action} ${c.record.type} ${c.record.setIdentifier}`)).toEqual([
      'DELETE A cdn-eu-secondary',
      'DELETE TXT cdn-eu-secondary',
      'UPSERT A cdn-eu-primary',
      'CREATE A cdn-eu',
      'CREATE TXT cdn-eu',
    ]);
    expect(unit.changes[2]!.changed).toEqual(['values']);
  });

  it('deletes orphan markers and repairs markers that disagree; never touches other owners', () => {
    const orphan = markerFor({ ...failover('SECONDARY', '127.0.0.2'), name: 'eu.old._edgesteer.example.com.' }, 'acme', 'old');
    const foreignMarker = markerFor({ ...latency, setIdentifier: 'cdn-us', region: 'us-east-1' }, 'globex', 'cdn');
    const staleMarker = { ...markerFor(latency, 'acme', 'cdn'), region: 'us-east-1' };
    const cur = current([...owned(failover('PRIMARY', '127.0.0.1', 'h1')), latency, staleMarker, orphan, foreignMarker, { ...latency, setIdentifier: 'cdn-us', region: 'us-east-1' }]);
    const plan = buildPlan(desired(), cur);
    const changes = plan.zones[0]!.units.flatMap((u) => u.changes).map((c) => `${c.action} ${c.record.name} ${c.record.setIdentifier} ${c.changed?.join(',') ?? ''}`.trim());
    expect(changes).toEqual([
      'UPSERT _es-a.cdn.example.com. cdn-eu region',
      'DELETE _es-a.eu.old._edgesteer.example.com. cdn-eu-secondary',
    ]);
    expect(plan.summary.ownedRecords).toBe(2);
  });

  it('keeps one health check per edge: prefers a matching, referenced one and deletes the rest', () => {
    const cur = current(owned(failover('PRIMARY', '127.0.0.1', 'h2')), [
      hc('h1', 'e1'),
      hc('h2', 'e1'),
      hc('h3', 'e1', undefined),
      hc('h4', 'gone'),
      hc('h5', 'e1', 'globex'),
    ]);
    const plan = buildPlan(desired(), cur);
    expect(plan.healthChecks.map((h) => `${h.action} ${h.edge} ${h.id}`)).toEqual(['delete e1 h1', 'delete e1 h3', 'delete gone h4']);
    // Records keep pointing at the kept check.
    expect(plan.zones[0]!.units[0]!.changes.filter((c) => c.record.healthCheckId !== undefined).every((c) => c.record.healthCheckId === 'h2')).toBe(true);
  });

  it('replaces a check whose type changes; records point at the pending new one', () => {
    const tcp = desired().healthChecks['e1']!;
    const cur = current([...owned(failover('PRIMARY', '127.0.0.1', 'h1')), ...owned(latency)], [hc('h1', 'e1', 'acme', { ...tcp, type: 'HTTP', resourcePath: '/' })]);
    const plan = buildPlan(desired(), cur);
    expect(plan.healthChecks).toEqual([expect.objectContaining({ action: 'replace', id: 'h1', changed: ['type', 'resourcePath'] })]);
    const up = plan.zones[0]!.units[0]!.changes[0]!;
    expect(up).toMatchObject({ action: 'UPSERT', changed: ['healthCheckId'], record: { healthCheckId: 'pending:e1' } });
  });
});
