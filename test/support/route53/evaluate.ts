/**
 * What Route53 would answer, resolved from the endpoint's records: latency
 * → alias → failover, with health checks and EvaluateTargetHealth. Used by
 * tests that compare Route53's answers with the other planes'.
 *
 * Model (deterministic stand-in for Route53's measured latency):
 * - latency: the record whose Region is closest (great-circle distance
 *   between AWS region locations) to the client's AWS region; ties by name.
 *   Unhealthy records are skipped; if all are unhealthy, Route53 answers as
 *   if all were healthy.
 * - failover: PRIMARY if healthy, else SECONDARY if healthy, else PRIMARY.
 * - weighted: the healthy record with the largest weight (ties by
 *   SetIdentifier) — a stand-in for the weighted random choice.
 * - a record is healthy when its health check (if any) is healthy and, for
 *   an alias with EvaluateTargetHealth into one of the endpoint's zones,
 *   when the target has at least one healthy record.
 * - IP-based (CIDR): the record whose location holds the longest CIDR block
 *   containing the client's address, else the default location `*`; if the
 *   chosen location's record is unhealthy, the default if that is healthy
 *   (as Route53 does for geolocation), else the chosen one.
 * - an alias into one of the endpoint's zones is followed; an alias to
 *   anything else (a load balancer) ends the walk with `aliasTarget`.
 */
import { isIPv4 } from 'node:net';
import type { StoredRecord } from './records.js';
import { normName } from './records.js';

/** A health check as the health function sees it. */
export interface HealthCheckView {
  id: string;
  tags: Record<string, string>;
  config: Record<string, unknown>;
}

/**
 * Health of checks: a function, or a map keyed by health check id or by the
 * `edgesteer:edge` tag (true = healthy). Unlisted checks are healthy.
 */
export type HealthInput = ((hc: HealthCheckView) => boolean) | Record<string, boolean>;

/** One step of the walk. */
export interface EvalStep {
  name: string;
  type: string;
  setIdentifier?: string;
  routing: string;
}

/** The answer Route53 would give. */
export interface EvalResult {
  /** Addresses (empty when the walk ends at an external alias). */
  values: string[];
  ttl?: number;
  /** External alias target the walk ended at, if any. */
  aliasTarget?: string;
  /** Records chosen, outermost first. */
  path: EvalStep[];
}

/** Approximate locations (lat, lon) of AWS regions. */
const REGION_LOCATIONS: Record<string, [number, number]> = {
  'us-east-1': [38.9, -77.4], 'us-east-2': [40.0, -83.0], 'us-west-1': [37.4, -122.0], 'us-west-2': [45.8, -119.7],
  'af-south-1': [-33.9, 18.4], 'ap-east-1': [22.3, 114.2], 'ap-south-1': [19.1, 72.9], 'ap-south-2': [17.4, 78.5],
  'ap-southeast-1': [1.35, 103.8], 'ap-southeast-2': [-33.9, 151.2], 'ap-southeast-3': [-6.2, 106.8], 'ap-southeast-4': [-37.8, 145.0],
  'ap-southeast-5': [3.1, 101.7], 'ap-southeast-7': [13.8, 100.5], 'ap-northeast-1': [35.7, 139.7], 'ap-northeast-2': [37.6, 127.0],
  'ap-northeast-3': [34.7, 135.5], 'ca-central-1': [45.5, -73.6], 'ca-west-1': [51.0, -114.1], 'cn-north-1': [39.9, 116.4],
  'cn-northwest-1': [37.5, 105.2], 'eu-central-1': [50.1, 8.7], 'eu-central-2': [47.4, 8.5], 'eu-west-1': [53.3, -6.3],
  'eu-west-2': [51.5, -0.1], 'eu-west-3': [48.9, 2.4], 'eu-north-1': [59.3, 18.1], 'eu-south-1': [45.5, 9.2],
  'eu-south-2': [41.6, -0.9], 'il-central-1': [32.1, 34.8], 'me-central-1': [25.2, 55.3], 'me-south-1': [26.1, 50.6],
  'mx-central-1': [20.6, -100.4], 'sa-east-1': [-23.5, -46.6], 'us-gov-east-1': [40.0, -83.0], 'us-gov-west-1': [45.6, -121.2],
};

/** Great-circle distance in km between two AWS regions (unknown regions are far). */
export function regionDistanceKm(a: string, b: string): number {
  if (a === b) return 0;
  const pa = REGION_LOCATIONS[a];
  const pb = REGION_LOCATIONS[b];
  if (!pa || !pb) return 40_000;
  const rad = Math.PI / 180;
  const dLat = (pb[0] - pa[0]) * rad;
  const dLon = (pb[1] - pa[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(pa[0] * rad) * Math.cos(pb[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** What the resolver needs to see of the endpoint. */
export interface EvalWorld {
  /** Zones by id: name and records. */
  zones: Map<string, { name: string; records: Map<string, StoredRecord> }>;
  healthCheck(id: string): HealthCheckView | undefined;
  /** CIDR collections by id: location → blocks. */
  cidrCollection?(id: string): ReadonlyMap<string, ReadonlySet<string>> | undefined;
}

/** Who asks: the client's AWS region (latency) and, for IP-based routing, its address. */
export interface EvalClient {
  awsRegion: string;
  ip?: string;
}

/** Resolves (name, type) for a client in `clientRegion` (or a full client). */
export function evaluate(world: EvalWorld, name: string, type: string, client: string | EvalClient, health?: HealthInput): EvalResult | undefined {
  const isHealthy = healthFn(world, health);
  const c = typeof client === 'string' ? { awsRegion: client } : client;
  return walk(world, normName(name), type, c, isHealthy, 0);
}

/** Address bytes (IPv4 or IPv6). */
function ipBytes(ip: string): number[] {
  if (isIPv4(ip)) return ip.split('.').map(Number);
  const [head = '', tail] = ip.toLowerCase().split('::');
  const parse = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

/** Prefix length of `block` if it contains `ip`, else -1. */
function cidrMatch(block: string, ip: string): number {
  const [net = '', lenText = ''] = block.split('/');
  const len = Number(lenText);
  if (isIPv4(net) !== isIPv4(ip)) return -1;
  const a = ipBytes(net);
  const b = ipBytes(ip);
  for (let bit = 0; bit < len; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((a[bit >> 3]! & mask) !== (b[bit >> 3]! & mask)) return -1;
  }
  return len;
}

function healthFn(world: EvalWorld, health: HealthInput | undefined): (id: string) => boolean {
  return (id) => {
    const hc = world.healthCheck(id);
    if (!hc || health === undefined) return true;
    if (typeof health === 'function') return health(hc);
    const byId = health[id];
    if (byId !== undefined) return byId;
    const edge = hc.tags['edgesteer:edge'];
    return edge !== undefined && health[edge] !== undefined ? health[edge]! : true;
  };
}

function recordsAt(world: EvalWorld, name: string, type: string): { zoneId: string; records: StoredRecord[] } | undefined {
  let best: { zoneId: string; zoneName: string } | undefined;
  for (const [id, z] of world.zones) {
    if ((name === z.name || name.endsWith('.' + z.name)) && (!best || z.name.length > best.zoneName.length)) best = { zoneId: id, zoneName: z.name };
  }
  if (!best) return undefined;
  const records = [...world.zones.get(best.zoneId)!.records.values()].filter((r) => r.Name === name && r.Type === type);
  return { zoneId: best.zoneId, records };
}

function recordHealthy(world: EvalWorld, r: StoredRecord, isHealthy: (id: string) => boolean, depth: number): boolean {
  if (r.HealthCheckId !== undefined && !isHealthy(r.HealthCheckId)) return false;
  const at = r.AliasTarget;
  if (at?.EvaluateTargetHealth && world.zones.has(at.HostedZoneId) && depth < 8) {
    const target = recordsAt(world, at.DNSName, r.Type);
    return (target?.records ?? []).some((t) => recordHealthy(world, t, isHealthy, depth + 1));
  }
  return true;
}

function choose(world: EvalWorld, group: StoredRecord[], client: EvalClient, isHealthy: (id: string) => boolean, depth: number): StoredRecord | undefined {
  const clientRegion = client.awsRegion;
  if (group.length === 0) return undefined;
  const healthy = (r: StoredRecord): boolean => recordHealthy(world, r, isHealthy, depth);
  const simple = group.find((r) => r.SetIdentifier === undefined);
  if (simple) return simple;
  const first = group[0]!;
  if (first.CidrRoutingConfig !== undefined) {
    const locations = world.cidrCollection?.(first.CidrRoutingConfig.CollectionId);
    let best: StoredRecord | undefined;
    let bestLen = -1;
    if (client.ip !== undefined && locations) {
      for (const r of group) {
        const blocks = locations.get(r.CidrRoutingConfig?.LocationName ?? '');
        for (const b of blocks ?? []) {
          const len = cidrMatch(b, client.ip);
          if (len > bestLen) {
            bestLen = len;
            best = r;
          }
        }
      }
    }
    const fallback = group.find((r) => r.CidrRoutingConfig?.LocationName === '*');
    if (!best) return fallback;
    if (!healthy(best) && fallback && healthy(fallback)) return fallback;
    return best;
  }
  if (first.Region !== undefined) {
    const byDistance = [...group].sort((a, b) => regionDistanceKm(clientRegion, a.Region!) - regionDistanceKm(clientRegion, b.Region!) || (a.Region! < b.Region! ? -1 : 1));
    return byDistance.find(healthy) ?? byDistance[0];
  }
  if (first.Failover !== undefined) {
    const primary = group.find((r) => r.Failover === 'PRIMARY');
    const secondary = group.find((r) => r.Failover === 'SECONDARY');
    if (primary && healthy(primary)) return primary;
    if (secondary && healthy(secondary)) return secondary;
    return primary ?? secondary;
  }
  const byWeight = [...group].sort((a, b) => (b.Weight ?? 0) - (a.Weight ?? 0) || ((a.SetIdentifier ?? '') < (b.SetIdentifier ?? '') ? -1 : 1));
  return byWeight.find(healthy) ?? byWeight[0];
}

function walk(world: EvalWorld, name: string, type: string, clientRegion: EvalClient, isHealthy: (id: string) => boolean, depth: number): EvalResult | undefined {
  if (depth > 8) return undefined;
  const at = recordsAt(world, name, type);
  if (!at) return undefined;
  const r = choose(world, at.records, clientRegion, isHealthy, depth);
  if (!r) return undefined;
  const step: EvalStep = {
    name: r.Name,
    type: r.Type,
    routing: r.CidrRoutingConfig !== undefined ? `cidr ${r.CidrRoutingConfig.LocationName}` : r.Region !== undefined ? `latency ${r.Region}` : r.Failover !== undefined ? `failover ${r.Failover}` : r.Weight !== undefined ? `weighted ${r.Weight}` : 'simple',
  };
  if (r.SetIdentifier !== undefined) step.setIdentifier = r.SetIdentifier;
  if (r.AliasTarget) {
    if (world.zones.has(r.AliasTarget.HostedZoneId)) {
      const inner = walk(world, r.AliasTarget.DNSName, type, clientRegion, isHealthy, depth + 1);
      if (!inner) return undefined;
      return { ...inner, path: [step, ...inner.path] };
    }
    return { values: [], aliasTarget: r.AliasTarget.DNSName, path: [step] };
  }
  const out: EvalResult = { values: [...(r.ResourceRecords ?? [])], path: [step] };
  if (r.TTL !== undefined) out.ttl = r.TTL;
  return out;
}
