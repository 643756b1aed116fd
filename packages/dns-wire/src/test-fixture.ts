/**
 * A policy and hand-made routing tables for the unit tests of this package
 * (not exported from the package index).
 */
import type { RoutingTable } from '@edgesteer/core';
import { PolicySchema, type Policy } from '@edgesteer/policy/neutral';

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

/** A routing table with the given answers per service and region (other fields filled plausibly). */
export function fixtureTable(policy: Policy, answers: Record<string, Record<string, string[]>>, version = 7): RoutingTable {
  const services: RoutingTable['services'] = {};
  for (const s of policy.services) {
    const regions: RoutingTable['services'][string]['regions'] = {};
    for (const r of policy.regions) {
      const answer = answers[s.id]?.[r.id] ?? s.edges.slice(0, s.answers);
      regions[r.id] = { answer, ranked: answer, mode: 'ranked' };
    }
    services[s.id] = { name: s.name, ttl: s.ttl, types: s.types, steering: s.steering, regions };
  }
  return { version, hash: `hash-${version}`, policyHash: 'p', generatedAt: 1_700_000_000_000, services, edges: {} };
}

/** The table the answer-plane tests use: cdn answers the region's own edge. */
export function regionalTable(policy: Policy, version = 7): RoutingTable {
  return fixtureTable(
    policy,
    {
      cdn: { 'us-east': ['use1'], 'eu-west': ['euw1'], 'ap-south': ['aps1'] },
      api: { 'us-east': ['use1', 'euw1'], 'eu-west': ['euw1', 'use1'], 'ap-south': ['euw1', 'use1'] },
    },
    version,
  );
}
