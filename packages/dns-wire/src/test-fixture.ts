/**
 * A policy and hand-made routing tables for the unit tests of this package
 * (not exported from the package index).
 */
import { parseCidr, parseIp, PolicySchema, type Policy } from '@edgesteer/policy/neutral';
import type { AnswerPlaneOptions, AnswerRoute } from './answer-plane.js';
import type { RegionMatch, RegionMatcherLike } from './region-lookup.js';

const check = { type: 'http' as const, port: 80 };

/** Big service edges: five IPv4 addresses each, so eight of them overflow 512 bytes. */
const bigEdges = Array.from({ length: 8 }, (_, i) => ({
  id: `big${i + 1}`,
  region: 'us-east',
  ipv4: Array.from({ length: 5 }, (_, j) => `127.0.${i + 1}.${j + 1}`),
  check,
}));

export function fixturePolicy(): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'unit',
    zones: [
      {
        name: 'example.com',
        ttl: 300,
        soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com', minimum: 60 },
        nameservers: [
          { name: 'ns1.example.com', ipv4: ['127.0.0.53'], ipv6: ['fd00::53'] },
          { name: 'ns.other.net' },
        ],
      },
      {
        name: 'example.org',
        ttl: 600,
        soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.org', serial: 2024010101, minimum: 900 },
        nameservers: [{ name: 'ns1.example.com' }],
      },
    ],
    regions: [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16', '2001:db8:2::/48'] },
      { id: 'ap-south', aws: 'ap-south-1', clientCidrs: ['10.3.0.0/16'] },
    ],
    edges: [
      { id: 'use1', region: 'us-east', ipv4: ['127.0.0.11'], ipv6: ['fd00::11'], check },
      { id: 'euw1', region: 'eu-west', ipv4: ['127.0.0.12'], ipv6: ['fd00::12'], check },
      { id: 'aps1', region: 'ap-south', ipv4: ['127.0.0.13'], check },
      ...bigEdges,
    ],
    services: [
      { id: 'cdn', name: 'cdn.example.com', edges: ['use1', 'euw1', 'aps1'], answers: 1, ttl: 30 },
      { id: 'api', name: 'api.eu.example.com', types: ['A'], edges: ['euw1', 'use1'], answers: 2, ttl: 20 },
      { id: 'big', name: 'big.example.com', types: ['A'], edges: bigEdges.map((e) => e.id), answers: 8, ttl: 60 },
      { id: 'www', name: 'www.example.org', edges: ['use1', 'euw1'], answers: 1, ttl: 45 },
    ],
  });
}

/** A hand-made routing table (mutable, unlike the plane's read-only view of one). */
export interface FixtureTable {
  version: number;
  hash: string;
  generatedAt: number;
  services: Record<string, { regions: Record<string, AnswerRoute> }>;
}

/** A routing table with the given answers per service and region (unlisted: the first `answers` edges in policy order). */
export function fixtureTable(policy: Policy, answers: Record<string, Record<string, string[]>>, version = 7): FixtureTable {
  const services: FixtureTable['services'] = {};
  for (const s of policy.services) {
    const regions: Record<string, AnswerRoute> = {};
    for (const r of policy.regions) regions[r.id] = { answer: answers[s.id]?.[r.id] ?? s.edges.slice(0, s.answers) };
    services[s.id] = { regions };
  }
  return { version, hash: `hash-${version}`, generatedAt: 1_700_000_000_000, services };
}

/**
 * A plain longest-prefix region matcher for these tests (linear scan; core's
 * trie is the real one, and this package does not depend on core). ECS scope:
 * the matched prefix length, or the source prefix when nothing matched.
 */
export function testMatcher(policy: Policy): RegionMatcherLike {
  const nets = policy.regions.flatMap((r) => r.clientCidrs.map((c) => ({ region: r.id, cidr: parseCidr(c)! })));
  const fallback = policy.regions.find((r) => r.default)?.id ?? policy.regions[0]!.id;
  return {
    match(ip: Uint8Array | string, sourcePrefix?: number): RegionMatch {
      const bytes = typeof ip === 'string' ? parseIp(ip)?.bytes : ip;
      if (!bytes) return { region: fallback, scopePrefix: 0 };
      const source = sourcePrefix ?? bytes.length * 8;
      let best: { region: string; prefix: number } | undefined;
      for (const n of nets) {
        if (n.cidr.bytes.length !== bytes.length || n.cidr.prefix > source) continue;
        let same = true;
        for (let bit = 0; bit < n.cidr.prefix && same; bit++) same = ((bytes[bit >> 3]! ^ n.cidr.bytes[bit >> 3]!) & (0x80 >> (bit & 7))) === 0;
        if (same && (!best || n.cidr.prefix > best.prefix)) best = { region: n.region, prefix: n.cidr.prefix };
      }
      return best ? { region: best.region, scopePrefix: best.prefix } : { region: fallback, scopePrefix: 0 };
    },
  };
}

/** Plane options for the tests: the test matcher and the policy-order fallback for missing services. */
export function fixtureOptions(policy: Policy, extra: Partial<AnswerPlaneOptions> = {}): AnswerPlaneOptions {
  return { matcher: testMatcher(policy), assumeUp: () => fixtureTable(policy, {}), ...extra };
}

/** The table the answer-plane tests use: cdn answers the region's own edge. */
export function regionalTable(policy: Policy, version = 7): FixtureTable {
  return fixtureTable(
    policy,
    {
      cdn: { 'us-east': ['use1'], 'eu-west': ['euw1'], 'ap-south': ['aps1'] },
      api: { 'us-east': ['use1', 'euw1'], 'eu-west': ['euw1', 'use1'], 'ap-south': ['euw1', 'use1'] },
    },
    version,
  );
}
