/**
 * The one scenario every system in the bench serves: zone example.com, the
 * steered name cdn.example.com over three edges in three regions, client
 * subnets mapped to regions (as in config/policy.yaml), HTTP health checks
 * against the bench's demo edges on 127.0.0.11/12/13.
 *
 * Peer configs (bench/peers/) and the edgesteer policy (policy.mjs) are both
 * rendered from these constants so the systems cannot drift apart.
 */

export const ZONE = 'example.com';
export const SERVICE_NAME = 'cdn.example.com';
export const SERVICE_TTL = 30;
export const NS_NAME = 'ns1.example.com';
/** Glue address of the in-zone nameserver; data only, never contacted. */
export const NS_ADDR = '127.0.0.53';
export const HEALTH_PATH = '/healthz';

/**
 * Regions in policy order. `ecs` is the client subnet the bench sends for
 * that region (a /24 inside the region's /16). `edgeDelayMs` is the demo
 * edge's response delay, so first-byte RTTs differ between edges.
 */
export const REGIONS = [
  { id: 'us-east', aws: 'us-east-1', cidr: '10.1.0.0/16', ecs: '10.1.2.0/24', edge: 'use1', address: '127.0.0.11', edgeDelayMs: 2 },
  { id: 'eu-west', aws: 'eu-west-1', cidr: '10.2.0.0/16', ecs: '10.2.3.0/24', edge: 'euw1', address: '127.0.0.12', edgeDelayMs: 6 },
  { id: 'ap-south', aws: 'ap-southeast-1', cidr: '10.3.0.0/16', ecs: '10.3.4.0/24', edge: 'aps1', address: '127.0.0.13', edgeDelayMs: 10 },
];

/**
 * Static preference order per region for the peers (which cannot measure RTT
 * per client region): the region's own edge first, then the others in policy
 * order. edgesteer derives its order from measured RTTs instead.
 */
export function staticOrder(regionId) {
  const own = REGIONS.find((r) => r.id === regionId);
  if (!own) throw new Error(`E_BENCH_SCENARIO: unknown region ${regionId}`);
  return [own, ...REGIONS.filter((r) => r.id !== regionId)];
}

/** The region a client with no matching subnet lands in. */
export const DEFAULT_REGION = REGIONS[0].id;
