import { describe, expect, it } from 'vitest';
import { initialState, ingest, type DecisionState } from '@edgesteer/core';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { planPolicyChange } from './plan.js';
import { clientMapFromPolicy, movedSpace, regionOf, spaceShares } from './client-share.js';
import { pct } from './plan-format.js';
import { incident, incidentPolicy, T0 } from './test-incident.js';

/** The incident policy (rise 2, fall 3, quorum 2) with edits applied to a copy. */
function variant(edit: (p: Policy) => void, base = incidentPolicy({ rise: 2, fall: 3 }, 2)): Policy {
  const p = structuredClone(base);
  edit(p);
  return PolicySchema.parse(p);
}

/** Every region measured every edge for 10 s, all well: eu-west is closest to euw1 (10 ms), then use1 (80 ms). */
function measured(): DecisionState {
  const policy = incidentPolicy({ rise: 2, fall: 3 }, 2);
  return ingest(initialState(), policy, incident().filter((o) => o.at < T0 + 10_000));
}
const NOW = T0 + 10_000;

const SAMPLES = ['10.1.0.1', '10.1.2.3', '10.1.9.9', '10.2.0.1', '10.2.200.7', '10.2.3.4', '10.2.255.255', '10.3.1.1', '10.3.4.4', '8.8.8.8', 'not-an-address'];

describe('planPolicyChange', () => {
  it('reports a drain of euw1 as eu-west moving euw1 -> use1, with the clients that move', () => {
    const current = incidentPolicy({ rise: 2, fall: 3 }, 2);
    const next = variant((p) => (p.edges[1]!.drain = true));
    const plan = planPolicyChange({ current, next, state: measured(), now: NOW, samples: SAMPLES });
    expect(plan.changes).toEqual([
      {
        service: 'cdn',
        region: 'eu-west',
        before: ['euw1'],
        after: ['use1'],
        modeBefore: 'ranked',
        modeAfter: 'ranked',
        // 10.2.0.0/16 is 2^16 of 2^32 IPv4 addresses; the policy gives eu-west no IPv6.
        space: { v4: 2 ** 16 / 2 ** 32, v6: 0 },
        // 4 of the 10 parseable samples are in 10.2.0.0/16.
        sampled: 0.4,
      },
    ]);
    expect(plan.services).toEqual([{ service: 'cdn', routes: 3, changed: 1, space: { v4: 2 ** -16, v6: 0 }, sampled: 0.4 }]);
    expect(pct(plan.services[0]!.space.v4)).toBe('0.0015%');
    expect(plan.maxMoved).toBe(0.4);
    expect(plan.samples).toBe(10);
    expect(plan.observed).toEqual({ freshLinks: 9, regionsWithData: 3 });
    // No zone has route53.hostedZoneId: nothing for the reconciler.
    expect(plan.route53).toEqual({ changes: [], warnings: [], managedZones: 0 });
  });

  it('says nothing changes when only a comment-level change (a TTL) is made', () => {
    const current = incidentPolicy({ rise: 2, fall: 3 }, 2);
    const next = variant((p) => (p.services[0]!.ttl = 120));
    const plan = planPolicyChange({ current, next, state: measured(), now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.maxMoved).toBe(0);
    expect(plan.policyHashAfter).not.toBe(plan.policyHashBefore);
  });

  it('lists the Route53 records the reconciler would change for a Route53-managed zone', () => {
    const withZone = variant((p) => (p.zones[0]!.route53 = { hostedZoneId: 'Z123' } as never));
    const next = variant((p) => (p.edges[1]!.drain = true), withZone);
    const plan = planPolicyChange({ current: withZone, next, state: measured(), now: NOW });
    expect(plan.route53.managedZones).toBe(1);
    // Route53's layout (packages/route53): each region's failover chain holds every undrained edge of the service,
    // one level per edge (<region> -> _1.<region> -> ...). Draining euw1 shortens every chain from 3 edges to 2:
    // eu-west's PRIMARY becomes use1, each region's SECONDARY now holds its last edge itself (no _1 alias), and the
    // three _1 levels go. Route53 sees more than DNS: us-east and ap-south answer the same as before.
    const updates = plan.route53.changes.map((c) => `${c.action} ${c.record.split(' ttl')[0]} ${c.fields?.join(',')}`);
    expect(updates).toEqual([
      'delete _1.ap-south.cdn._edgesteer.example.com. A failover PRIMARY [cdn-ap-south-1-primary] undefined',
      'delete _1.ap-south.cdn._edgesteer.example.com. A failover SECONDARY [cdn-ap-south-1-secondary] undefined',
      'delete _1.eu-west.cdn._edgesteer.example.com. A failover PRIMARY [cdn-eu-west-1-primary] undefined',
      'delete _1.eu-west.cdn._edgesteer.example.com. A failover SECONDARY [cdn-eu-west-1-secondary] undefined',
      'delete _1.us-east.cdn._edgesteer.example.com. A failover PRIMARY [cdn-us-east-1-primary] undefined',
      'delete _1.us-east.cdn._edgesteer.example.com. A failover SECONDARY [cdn-us-east-1-secondary] undefined',
      'update ap-south.cdn._edgesteer.example.com. A failover SECONDARY [cdn-ap-south-secondary] ttl,values,alias,healthCheck',
      'update eu-west.cdn._edgesteer.example.com. A failover PRIMARY [cdn-eu-west-primary] values,healthCheck',
      'update eu-west.cdn._edgesteer.example.com. A failover SECONDARY [cdn-eu-west-secondary] ttl,values,alias,healthCheck',
      'update us-east.cdn._edgesteer.example.com. A failover SECONDARY [cdn-us-east-secondary] ttl,values,alias,healthCheck',
    ]);
  });

  it('warns about a region left with one healthy edge, an unreachable quorum and a fallback that is down now', () => {
    const current = incidentPolicy({ rise: 2, fall: 3 }, 2);
    // aps1 dead from every region (3 failures): down now.
    const state = ingest(measured(), current, ['us-east', 'eu-west', 'ap-south'].flatMap((r) => [1, 2, 3].map((k) => ({ probeRegion: r, edge: 'aps1', at: NOW + k * 1000, ok: false as const, reason: 'timeout' as const }))));
    const next = variant((p) => {
      p.services[0]!.edges = ['euw1', 'aps1'];
      p.services[0]!.fallback = ['aps1'];
      p.health.quorum = 3;
    });
    const plan = planPolicyChange({ current, next, state: ingest(state, current, []), now: NOW + 3000 });
    expect(plan.warnings).toEqual([
      'cdn in us-east: one healthy edge left (euw1), no second choice if it fails',
      'cdn in eu-west: one healthy edge left (euw1), no second choice if it fails',
      'cdn in ap-south: one healthy edge left (euw1), no second choice if it fails',
      'cdn: every fallback edge is down now (aps1): fail-open would answer dead edges',
    ]);
    // Quorum 3 with only two regions reporting: no edge could ever be failed over.
    const partial = ingest(initialState(), current, incident().filter((o) => o.at < T0 + 5000 && o.probeRegion !== 'ap-south'));
    const q = planPolicyChange({ current, next: variant((p) => (p.health.quorum = 3)), state: partial, now: T0 + 5000 });
    expect(q.warnings).toEqual(['health.quorum 3 is more than the 2 region(s) with probe data now: no edge can be failed over until more probes report']);
  });
});

describe('client map from the policy', () => {
  const policy = variant((p) => {
    p.regions[1]!.clientCidrs = ['10.2.0.0/16', '10.2.128.0/17', '2001:db8:2::/48'];
    p.regions[2]!.clientCidrs = ['10.2.128.0/24', '10.3.0.0/16'];
  });
  const map = clientMapFromPolicy(policy);

  it('gives nested CIDRs to the longest prefix and everything else to the default region', () => {
    expect(regionOf(map, '10.2.128.1')).toBe('ap-south');
    expect(regionOf(map, '10.2.129.1')).toBe('eu-west');
    expect(regionOf(map, '10.2.1.1')).toBe('eu-west');
    expect(regionOf(map, '192.0.2.1')).toBe('us-east');
    expect(regionOf(map, '2001:db8:2::1')).toBe('eu-west');
    expect(regionOf(map, '2001:db8:3::1')).toBe('us-east');
    expect(regionOf(map, 'nope')).toBeUndefined();
  });

  it('adds up to the whole address space of each family', () => {
    const shares = spaceShares(map);
    const sum = (f: 'v4' | 'v6') => Object.values(shares).reduce((n, s) => n + s[f], 0);
    expect(sum('v4')).toBeCloseTo(1, 12);
    expect(sum('v6')).toBeCloseTo(1, 12);
    expect(shares['ap-south']!.v4).toBe((256 + 65536) / 2 ** 32);
    expect(shares['eu-west']!.v4).toBe((65536 - 256) / 2 ** 32);
  });

  it('takes range bounds as address text too (what the compiled client map yields)', () => {
    const text = { hash: 'text', ranges: () => [{ family: 4 as const, start: '0.0.0.0', end: '10.1.255.255', region: 'us-east' }, { family: 4 as const, start: '10.2.0.0', end: '255.255.255.255', region: 'eu-west' }, { family: 6 as const, start: '::', end: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', region: 'us-east' }] };
    expect(regionOf(text, '10.2.0.1')).toBe('eu-west');
    expect(regionOf(text, '10.1.0.1')).toBe('us-east');
    expect(spaceShares(text)['us-east']).toEqual({ v4: (10 * 2 ** 24 + 2 * 2 ** 16) / 2 ** 32, v6: 1 });
  });

  it('counts a change of clientCidrs as moved clients even when no answer changes', () => {
    const moved = clientMapFromPolicy(variant((p) => (p.regions[1]!.clientCidrs = ['10.2.0.0/17'])));
    const answer = (r: string) => ({ 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' })[r]!;
    const base = clientMapFromPolicy(incidentPolicy({ rise: 2, fall: 3 }, 2));
    // 10.2.128.0/17 goes from eu-west (euw1) to the default region (use1).
    expect(movedSpace(base, moved, answer, answer)).toEqual({ v4: 2 ** 15 / 2 ** 32, v6: 0 });
    expect(movedSpace(base, base, answer, answer)).toEqual({ v4: 0, v6: 0 });
  });
});
