/**
 * Policies, routing tables and SDK clients for the Route53 tests. The tables
 * are built by hand here (ranked = service edges that are up and not
 * drained, in policy order) so the reconciler tests control exactly what
 * the table says; core's own ranking has its own tests.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';
import { policyHash, type RoutingTable, type RouteEntry } from '@edgesteer/core';

/** Fake credentials for the SDK (the endpoint does not verify signatures). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEDGESTEERTEST', secretAccessKey: 'edgesteer-test-secret' };

/** Environment for child processes that use the SDK chain: static credentials, no metadata service. */
export function awsTestEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** A Route53 client pointed at the test endpoint, SDK retries off. */
export function testRoute53Client(url: string): Route53Client {
  return new Route53Client({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/** Shape of the standard test policy. */
export interface PolicyShape {
  owner?: string;
  zone?: string;
  hostedZoneId?: string;
  /** Region ids with their AWS regions. */
  regions?: Array<[string, string]>;
  /** Services: id, name, edges. */
  services?: Array<{ id: string; name: string; edges: string[]; types?: Array<'A' | 'AAAA'> }>;
  /** Edges: id, region, ipv4 (and optional alias / native check). */
  edges?: Array<{ id: string; region: string; ipv4?: string[]; ipv6?: string[]; alias?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth?: boolean }; native?: boolean }>;
  quorum?: number;
}

/** A valid policy (defaults applied) with native health checks unless told otherwise. */
export function makePolicy(shape: PolicyShape = {}): Policy {
  const zone = shape.zone ?? 'example.com';
  const regions = shape.regions ?? [
    ['eu', 'eu-west-1'],
    ['us', 'us-east-1'],
    ['ap', 'ap-southeast-1'],
  ];
  const edges = shape.edges ?? [
    { id: 'eu-1', region: 'eu', ipv4: ['203.0.113.11'] },
    { id: 'us-1', region: 'us', ipv4: ['203.0.113.21'] },
    { id: 'ap-1', region: 'ap', ipv4: ['203.0.113.31'] },
  ];
  const services = shape.services ?? [{ id: 'cdn', name: `cdn.${zone}`, edges: edges.map((e) => e.id) }];
  const input: PolicyInput = {
    version: 1,
    owner: shape.owner ?? 'acme',
    zones: [
      {
        name: zone,
        soa: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}` },
        nameservers: [{ name: `ns1.${zone}`, ipv4: ['127.0.0.53'] }],
        route53: { hostedZoneId: shape.hostedZoneId ?? 'ZTESTZONE1' },
      },
    ],
    regions: regions.map(([id, aws], i) => ({ id, aws: aws as 'us-east-1', default: i === 0 })),
    edges: edges.map((e) => ({
      id: e.id,
      region: e.region,
      ipv4: e.ipv4 ?? [],
      ipv6: e.ipv6 ?? [],
      ...(e.alias ? { alias: e.alias } : {}),
      check: e.native === false ? { type: 'http' as const, port: 80, path: '/health' } : { type: 'http' as const, port: 80, path: '/health', route53: 'native' as const },
    })),
    services: services.map((s) => ({ id: s.id, name: s.name, edges: s.edges, types: s.types ?? ['A'] })),
    health: { quorum: shape.quorum ?? 2 },
  };
  return PolicySchema.parse(input);
}

/**
 * A routing table: for every service and region, `ranked` = the service's
 * edges that are not down, the edge in the region first, then the others
 * in policy order. Fallback answer when none are up.
 */
export function tableFor(policy: Policy, down: readonly string[] = [], version = 1): RoutingTable {
  const edgeById = new Map(policy.edges.map((e) => [e.id, e]));
  const services: RoutingTable['services'] = {};
  for (const s of policy.services) {
    const regions: Record<string, RouteEntry> = {};
    for (const r of policy.regions) {
      const up = s.edges.filter((id) => !down.includes(id) && !edgeById.get(id)?.drain);
      const ranked = [...up.filter((id) => edgeById.get(id)?.region === r.id), ...up.filter((id) => edgeById.get(id)?.region !== r.id)];
      const fallback = s.fallback.length > 0 ? s.fallback : s.edges;
      regions[r.id] = ranked.length > 0
        ? { answer: ranked.slice(0, s.answers), ranked, mode: 'ranked' }
        : { answer: fallback.slice(0, s.answers), ranked: [], mode: 'fallback' };
    }
    services[s.id] = { name: s.name, ttl: s.ttl, types: s.types, steering: s.steering, regions };
  }
  const edges: RoutingTable['edges'] = {};
  for (const e of policy.edges) edges[e.id] = { up: !down.includes(e.id), drain: e.drain };
  return { version, hash: `test-${version}-${down.join(',')}`, policyHash: policyHash(policy), generatedAt: 0, services, edges };
}

/** Fast retry/pacing settings for tests (no real 5 req/s pacing, millisecond backoff). */
export const FAST = {
  route53RatePerSecond: 100_000,
  cloudwatchRatePerSecond: 100_000,
  retry: { maxAttempts: 12, baseMs: 1, capMs: 5 },
  insyncPollMs: 1,
} as const;
