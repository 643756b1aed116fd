/**
 * Policies and observations for core's unit tests (not exported from the
 * package). Three regions and one edge in each, named as in
 * config/policy.yaml, plus helpers to vary them.
 */
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy/neutral';
import type { Observation } from './types.js';

type EdgeInput = PolicyInput['edges'][number];
type ServiceInput = PolicyInput['services'][number];

/** Input for testPolicy(): replaces whole sections of the default policy. */
export interface TestPolicyOptions {
  edges?: EdgeInput[];
  services?: ServiceInput[];
  health?: PolicyInput['health'];
  regions?: PolicyInput['regions'];
}

/** An edge in `region` with a fast-failing HTTP check. */
export function edge(id: string, region: string, extra: Partial<EdgeInput> = {}): EdgeInput {
  return { id, region, ipv4: ['127.0.0.1'], check: { type: 'http', port: 8080, rise: 2, fall: 3 }, ...extra };
}

/** A latency-steered service over `edges`. */
export function service(id: string, edges: string[], extra: Partial<ServiceInput> = {}): ServiceInput {
  return { id, name: `${id}.example.com`, edges, ...extra };
}

/** Regions us-east (default), eu-west, ap-south; edges use1, euw1, aps1; service cdn. */
export function testPolicy(opts: TestPolicyOptions = {}): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'test',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: opts.regions ?? [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16', '2001:db8:1::/48'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16', '2001:db8:2::/48'] },
      { id: 'ap-south', aws: 'ap-south-1', clientCidrs: ['10.3.0.0/16'] },
    ],
    edges: opts.edges ?? [edge('use1', 'us-east'), edge('euw1', 'eu-west'), edge('aps1', 'ap-south')],
    services: opts.services ?? [service('cdn', ['use1', 'euw1', 'aps1'])],
    health: opts.health ?? { quorum: 2, staleAfterMs: 30_000, rttAlpha: 1 },
  });
}

/** A successful observation with connect RTT `ms`. */
export function ok(probeRegion: string, edgeId: string, at: number, ms = 10): Observation {
  return { probeRegion, edge: edgeId, at, ok: true, connectMs: ms };
}

/** A failed observation. */
export function fail(probeRegion: string, edgeId: string, at: number, reason: Observation['reason'] = 'timeout'): Observation {
  return { probeRegion, edge: edgeId, at, ok: false, reason };
}

/** The same observation from every region in `regions` at `at`. */
export function fromAll(regions: readonly string[], make: (region: string) => Observation): Observation[] {
  return regions.map(make);
}

/** Recursively rebuilds a JSON value with object keys in reverse order. */
export function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).reverse()) out[k] = reverseKeys((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

/**
 * A seeded PRNG for core's property-style tests (mulberry32, the same as
 * `seededRandom` of @edgesteer/probes; core cannot import it from there).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
