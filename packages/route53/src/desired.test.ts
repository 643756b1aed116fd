import { describe, expect, it } from 'vitest';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';
import { policyHash, type RouteEntry, type RoutingTable } from '@edgesteer/core';
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
  return { version: 1, hash: 'h', policyHash: policyHash(p), generatedAt: 0, services, edges: {} };
}
const ranked = (ids: string[]): RouteEntry => ({ answer: ids.slice(0, 1), ranked: ids, mode: 'ranked' });

describe('desiredState', () => {
  it('lays out one unit per (service, region, type): a failover chain holding every edge that can serve the type', () => {
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

  it('chains three edges through a nested failover set, deepest link first, and keeps down edges in the chain', () => {
    const p = policy({
      edges: [
        { id: 'a', region: 'eu', ipv4: ['127.0.0.1'], check },
        { id: 'b', region: 'eu', ipv4: ['127.0.0.2'], check },
        { id: 'c', region: 'us', ipv4: ['127.0.0.3'], check },
      ],
      services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: ['a', 'b', 'c'] }],
    } as Partial<PolicyInput>);
    // b is down: the table ranks c, a; b still goes last in the chain with its health check.
    const recs = desiredState(p, table(p, () => ranked(['c', 'a']))).desired.zones[0]!.units[0]!.records;
    expect(recs.map((r) => [r.name, r.setIdentifier, r.values?.[0] ?? r.alias?.dnsName, r.healthCheckEdge])).toEqual([
      ['_1.eu.cdn._edgesteer.example.com.', 'cdn-eu-1-primary', '127.0.0.1', 'a'],
      ['_1.eu.cdn._edgesteer.example.com.', 'cdn-eu-1-secondary', '127.0.0.2', 'b'],
      ['eu.cdn._edgesteer.example.com.', 'cdn-eu-primary', '127.0.0.3', 'c'],
      ['eu.cdn._edgesteer.example.com.', 'cdn-eu-secondary', '_1.eu.cdn._edgesteer.example.com.', undefined],
      ['cdn.example.com.', 'cdn-eu', 'eu-west-1', undefined],
    ].map(([n, id, v, e]) => (id === 'cdn-eu' ? [n, id, 'eu.cdn._edgesteer.example.com.', e] : [n, id, v, e])));
    expect(recs[3]!.alias?.evaluateTargetHealth).toBe(true);
  });

  it('never places an edge the service does not list, even when the table ranks it', () => {
    const p = policy({ services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: ['e4'] }] } as Partial<PolicyInput>);
    const recs = desiredState(p, table(p, () => ranked(['lb', 'e4']))).desired.zones[0]!.units[0]!.records;
    expect(recs.filter((r) => r.failover).map((r) => r.healthCheckEdge)).toEqual(['e4']);
  });

  it('refuses a table whose policyHash is not this policy\'s (E_R53_TABLE_SOURCE)', () => {
    const p = policy();
    const t = { ...table(p, () => ranked(['e4'])), policyHash: 'f'.repeat(64) };
    expect(() => desiredState(p, t)).toThrow(expect.objectContaining({ code: 'E_R53_TABLE_SOURCE' }));
  });

  it('uses the fallback order when nothing is healthy; fail-closed keeps the chain (Route53 cannot answer NODATA on its own)', () => {
    const p = policy();
    const fallback = desiredState(p, table(p, () => ({ answer: ['e6'], ranked: [], mode: 'fallback' }))).desired;
    expect(fallback.zones[0]!.units.map((u) => u.id)).toEqual(['cdn/eu/A', 'cdn/eu/AAAA', 'cdn/us/A', 'cdn/us/AAAA']);
    expect(fallback.zones[0]!.units[1]!.records[0]!.healthCheckEdge).toBe('e6');
    const closed = desiredState(p, table(p, () => ({ answer: [], ranked: [], mode: 'closed' }))).desired;
    expect(closed.zones[0]!.units).toHaveLength(4);
    expect(closed.zones.map((z) => z.hostedZoneId)).toEqual(['Z1']);
  });

  it('writes CIDR records for regions with clientCidrs: one location per region, * aliasing the latency records', () => {
    const p = policy({
      regions: [
        { id: 'eu', aws: 'eu-west-1', default: true, clientCidrs: ['198.51.100.7/24', '2001:DB8:0:0::/32'] },
        { id: 'us', aws: 'us-east-1' },
      ],
    } as Partial<PolicyInput>);
    const { desired } = desiredState(p, table(p, () => ranked(['e4', 'e6', 'lb'])));
    expect(desired.cidrCollection).toEqual({ name: 'edgesteer-acme', locations: { eu: ['198.51.100.0/24', '2001:db8::/32'] } });
    const cidrA = desired.zones[0]!.units.find((u) => u.id === 'cdn/cidr/A')!.records;
    expect(cidrA.map((r) => [r.name, r.setIdentifier, r.cidr?.locationName, r.alias?.dnsName])).toEqual([
      ['cdn.example.com.', 'cdn-cidr-eu', 'eu', 'eu.cdn._edgesteer.example.com.'],
      ['cdn.example.com.', 'cdn-cidr-default', '*', '_latency.cdn._edgesteer.example.com.'],
    ]);
    const latency = desired.zones[0]!.units.find((u) => u.id === 'cdn/us/A')!.records.find((r) => r.region)!;
    expect(latency.name).toBe('_latency.cdn._edgesteer.example.com.');
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

  it('refuses a table without the service rather than deleting records', () => {
    const p = policy();
    const t = table(p, () => ranked(['e4']));
    delete t.services['cdn'];
    expect(() => desiredState(p, t)).toThrow(expect.objectContaining({ code: 'E_R53_TABLE_SOURCE' }));
  });

  it('builds CLOUDWATCH_METRIC checks on alarms in the policy\'s alarm region that sum the regions\' down votes', () => {
    const p = policy();
    p.edges[0]!.check.route53 = 'cloudwatch';
    (p.health as { alarmRegion?: string }).alarmRegion = 'eu-central-1';
    expect(policyNeedsCloudWatch(p)).toBe(true);
    const { desired } = desiredState(p, table(p, () => ranked(['e4'])), { cloudwatchRegion: 'us-west-2', alarm: { periodSeconds: 120 } });
    expect(desired.healthChecks['e4']).toEqual({ type: 'CLOUDWATCH_METRIC', alarmRegion: 'eu-central-1', alarmName: 'edgesteer-acme-e4', insufficientDataHealthStatus: 'LastKnownStatus' });
    // 2 regions, quorum 2: ALARM when both regions vote down in the period.
    expect(desired.alarms['e4']).toMatchObject({ name: 'edgesteer-acme-e4', namespace: 'Edgesteer', metricName: 'DownVote', dimensions: [{ name: 'Edge', value: 'e4' }], statistic: 'Sum', period: 120, threshold: 2, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'missing' });
  });

  it.each([
    { regions: 3, quorum: 2 },
    { regions: 3, quorum: 1 },
    { regions: 5, quorum: 2 },
    { regions: 4, quorum: 9 },
  ])('fires on exactly min(quorum, regions) down votes, whatever the other regions send ($quorum of $regions)', ({ regions, quorum }) => {
    const p = policy({
      regions: Array.from({ length: regions }, (_v, i) => ({ id: `r${i}`, aws: 'us-east-1', default: i === 0 })),
      edges: [{ id: 'e4', region: 'r0', ipv4: ['127.0.0.1'], check: { type: 'http', port: 80 } }],
      services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['e4'] }],
      health: { quorum },
    } as Partial<PolicyInput>);
    const alarm = desiredState(p, table(p, () => ranked(['e4']))).desired.alarms['e4']!;
    const q = Math.min(quorum, regions);
    const fires = (votes: number[]): boolean => votes.reduce((a, b) => a + b, 0) >= alarm.threshold;
    // q regions down, the rest up or silent: ALARM. q − 1 down, the rest silent (partitioned): no ALARM.
    expect(fires([...Array(q).fill(1), ...Array(regions - q).fill(0)])).toBe(true);
    expect(fires(Array(q - 1).fill(1))).toBe(false);
    expect(fires([...Array(q - 1).fill(1), ...Array(regions - q + 1).fill(0)])).toBe(false);
  });
});
