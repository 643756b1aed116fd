import { describe, expect, it } from 'vitest';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';
import type { RouteEntry, RoutingTable } from '@edgesteer/core';
import { desiredState, policyNeedsCloudWatch } from './desired.js';

const check = { type: 'http' as const, port: 80, route53: 'native' as const };
function policy(over: Partial<PolicyInput> = {}): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'acme',
    zones: [
      { name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'h.example.com' }, nameservers: [{ name: 'ns1.example.com' }], route53: { hostedZoneId: 'Z1' } },
      { name: 'other.org', soa: { mname: 'ns1.other.org', rname: 'h.other.org' }, nameservers: [{ name: 'ns1.other.org' }] },
    ],
    regions: [
      { id: 'eu', aws: 'eu-west-1', default: true },
      { id: 'us', aws: 'us-east-1' },
    ],
    edges: [
      { id: 'e4', region: 'eu', ipv4: ['127.0.0.1'], check },
      { id: 'e6', region: 'eu', ipv6: ['::1'], check },
      { id: 'lb', region: 'us', alias: { dnsName: 'LB-1.elb.amazonaws.com.', hostedZoneId: '/hostedzone/ZLB' }, check },
    ],
    services: [{ id: 'cdn', name: 'CDN.example.com', edges: ['e4', 'e6', 'lb'] }],
    ...over,
  } as PolicyInput);
}
function table(p: Policy, entry: (service: string, region: string) => RouteEntry): RoutingTable {
  const services: RoutingTable['services'] = {};
  for (const s of p.services) services[s.id] = { name: s.name, ttl: s.ttl, types: s.types, steering: s.steering, regions: Object.fromEntries(p.regions.map((r) => [r.id, entry(s.id, r.id)])) };
  return { version: 1, hash: 'h', policyHash: 'p', generatedAt: 0, services, edges: {} };
}
const ranked = (ids: string[]): RouteEntry => ({ answer: ids.slice(0, 1), ranked: ids, mode: 'ranked' });

describe('desiredState', () => {
  it('lays out one unit per (service, region, type), skipping edges that cannot serve the type', () => {
    const p = policy();
    const { desired } = desiredState(p, table(p, () => ranked(['e4', 'e6', 'lb'])));
    const units = desired.zones[0]!.units;
    expect(units.map((u) => u.id)).toEqual(['cdn/eu/A', 'cdn/eu/AAAA', 'cdn/us/A', 'cdn/us/AAAA']);
    const a = units[0]!.records;
    expect(a.map((r) => [r.name, r.setIdentifier, r.failover ?? r.region, r.values ?? r.alias?.dnsName, r.healthCheckEdge])).toEqual([
      ['eu.cdn._edgesteer.example.com.', 'cdn-eu-primary', 'PRIMARY', ['127.0.0.1'], 'e4'],
      // e6 has no IPv4: the alias edge is next.
      ['eu.cdn._edgesteer.example.com.', 'cdn-eu-secondary', 'SECONDARY', 'lb-1.elb.amazonaws.com.', 'lb'],
      ['cdn.example.com.', 'cdn-eu', 'eu-west-1', 'eu.cdn._edgesteer.example.com.', undefined],
    ]);
    expect(a[1]!.alias).toEqual({ hostedZoneId: 'ZLB', dnsName: 'lb-1.elb.amazonaws.com.', evaluateTargetHealth: true });
    expect(a[2]!.alias).toEqual({ hostedZoneId: 'Z1', dnsName: 'eu.cdn._edgesteer.example.com.', evaluateTargetHealth: true });
    expect(units[1]!.records.filter((r) => r.failover).map((r) => r.values ?? r.alias?.dnsName)).toEqual([['::1'], 'lb-1.elb.amazonaws.com.']);
    expect(Object.keys(desired.healthChecks).sort()).toEqual(['e4', 'e6', 'lb']);
    expect(desired.alarms).toEqual({});
  });

  it('uses the fallback answer when nothing is healthy, and writes nothing for fail-closed', () => {
    const p = policy();
    const fallback = desiredState(p, table(p, () => ({ answer: ['e6'], ranked: [], mode: 'fallback' }))).desired;
    expect(fallback.zones[0]!.units.map((u) => u.id)).toEqual(['cdn/eu/AAAA', 'cdn/us/AAAA']);
    const closed = desiredState(p, table(p, () => ({ answer: [], ranked: [], mode: 'closed' }))).desired;
    expect(closed.zones[0]!.units).toEqual([]);
    // The zone is still listed: its old records must be found and deleted.
    expect(closed.zones.map((z) => z.hostedZoneId)).toEqual(['Z1']);
  });

  it('skips services outside Route53-managed zones and warns about shared AWS regions', () => {
    const p = policy({
      regions: [
        { id: 'eu', aws: 'eu-west-1', default: true },
        { id: 'eu2', aws: 'eu-west-1' },
      ],
      services: [
        { id: 'cdn', name: 'cdn.example.com', edges: ['e4'] },
        { id: 'web', name: 'www.other.org', edges: ['e4'] },
      ],
    } as Partial<PolicyInput>);
    const { desired, warnings } = desiredState(p, table(p, () => ranked(['e4'])));
    expect(desired.zones[0]!.units.map((u) => u.id)).toEqual(['cdn/eu/A']);
    expect(warnings).toEqual(['service cdn: regions eu and eu2 share AWS region eu-west-1; only eu gets a latency record']);
  });

  it('refuses a table computed from another policy rather than deleting records', () => {
    const p = policy();
    const t = table(p, () => ranked(['e4']));
    delete t.services['cdn'];
    expect(() => desiredState(p, t)).toThrow(expect.objectContaining({ code: 'E_R53_TABLE_SOURCE' }));
  });

  it('builds CLOUDWATCH_METRIC checks and their alarms for cloudwatch edges', () => {
    const p = policy();
    p.edges[0]!.check.route53 = 'cloudwatch';
    expect(policyNeedsCloudWatch(p)).toBe(true);
    const { desired } = desiredState(p, table(p, () => ranked(['e4'])), { cloudwatchRegion: 'eu-central-1', alarm: { periodSeconds: 120 } });
    expect(desired.healthChecks['e4']).toEqual({ type: 'CLOUDWATCH_METRIC', alarmRegion: 'eu-central-1', alarmName: 'edgesteer-acme-e4', insufficientDataHealthStatus: 'LastKnownStatus' });
    // 2 regions, quorum 2: ALARM when the mean is below (2 − 2 + ½) / 2.
    expect(desired.alarms['e4']).toMatchObject({ name: 'edgesteer-acme-e4', namespace: 'Edgesteer', metricName: 'Health', dimensions: [{ name: 'Edge', value: 'e4' }], statistic: 'Average', period: 120, threshold: 0.25, comparisonOperator: 'LessThanThreshold' });
  });

  it.each([
    { regions: 3, quorum: 2, threshold: 0.5 },
    { regions: 3, quorum: 1, threshold: 0.833333 },
    { regions: 5, quorum: 2, threshold: 0.7 },
    { regions: 4, quorum: 9, threshold: 0.125 },
  ])('places the alarm threshold between quorum−1 and quorum regions failing ($quorum of $regions)', ({ regions, quorum, threshold }) => {
    const p = policy({
      regions: Array.from({ length: regions }, (_v, i) => ({ id: `r${i}`, aws: 'us-east-1', default: i === 0 })),
      edges: [{ id: 'e4', region: 'r0', ipv4: ['127.0.0.1'], check: { type: 'http', port: 80 } }],
      services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['e4'] }],
      health: { quorum },
    } as Partial<PolicyInput>);
    const alarm = desiredState(p, table(p, () => ranked(['e4']))).desired.alarms['e4']!;
    expect(alarm.threshold).toBe(threshold);
    const q = Math.min(quorum, regions);
    // q regions failing every check: below; q − 1: not below.
    expect((regions - q) / regions).toBeLessThan(alarm.threshold);
    expect((regions - q + 1) / regions).toBeGreaterThan(alarm.threshold);
  });
});
