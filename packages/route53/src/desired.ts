/**
 * Desired Route53 state from the policy and the routing table ("Route53
 * layout" in design.md). For each service S in a Route53-managed zone, each
 * region R and each record type T:
 *
 *   S.name                 T  latency  SetIdentifier S-R  Region aws(R)
 *                                      alias → R.S._edgesteer.<zone> (EvaluateTargetHealth)
 *   R.S._edgesteer.<zone>  T  failover PRIMARY   → e1 (+ its health check)
 *                                     SECONDARY → alias _1.R.S._edgesteer.<zone> (EvaluateTargetHealth)
 *   _1.R.S._edgesteer…     T  failover PRIMARY   → e2 (+ its health check)
 *                                     SECONDARY → e3 (+ its health check)      (last link)
 *
 * The failover chain holds EVERY edge the service may answer in region R
 * (the table's ranking first, then the service's other edges, then its
 * fallbacks), each with its own health check: an edge that goes down is
 * skipped by Route53 itself, and one that recovers is answered again by
 * Route53 itself, with no edgesteer process running. The table only orders
 * the chain (a health or RTT change re-ranks, never adds or removes records).
 *
 * When some region lists `clientCidrs`, the service name holds CIDR records
 * instead (one location per such region → that region's chain, default
 * location `*` → the latency records, which move to
 * `_latency.S._edgesteer.<zone>`), so explicitly mapped clients get the same
 * region from Route53 as from the self-hosted planes.
 *
 * Pure: no I/O, no clock.
 */
import type { Edge, Policy, Service, Zone } from '@edgesteer/policy';
import { policyHash, type RoutingTable } from '@edgesteer/core';
import { alarmSpec, type AlarmOptions } from './alarms.js';
import { Route53Error } from './errors.js';
import { healthCheckSpec } from './health-checks.js';
import { PENDING_CIDR, type AlarmSpec, type CidrCollectionSpec, type DesiredState, type DesiredUnit, type HealthCheckSpec, type RecordSet, type ZoneRef } from './model.js';
import {
  alarmName,
  bareId,
  chainLevelName,
  cidrCollectionName,
  cidrLocationName,
  cidrSetId,
  failoverSetId,
  failoverSetName,
  inZone,
  latencySetId,
  latencySetName,
  normalizeName,
} from './names.js';

/** Knobs of the desired state that do not live in the policy. */
export interface DesiredOptions {
  /** Region of the CloudWatch alarms when the policy names none (`health.alarmRegion`). Default us-east-1. */
  cloudwatchRegion?: string;
  alarm?: AlarmOptions;
  /** Skip the policy-hash comparison (unit tests with hand-made tables). */
  skipPolicyHashCheck?: boolean;
}

/** Desired state plus anything worth telling the operator about it. */
export interface DesiredResult {
  desired: DesiredState;
  warnings: string[];
}

/** The CloudWatch region of the alarms: the policy's `health.alarmRegion`, else the given default, else us-east-1. */
export function alarmRegionOf(policy: Policy, fallback?: string): string {
  return (policy.health as { alarmRegion?: string }).alarmRegion ?? fallback ?? 'us-east-1';
}

/** Computes the desired state. Pure: no I/O, no clock. */
export function desiredState(policy: Policy, table: RoutingTable, opts: DesiredOptions = {}): DesiredResult {
  const warnings: string[] = [];
  if (!opts.skipPolicyHashCheck) {
    const want = policyHash(policy);
    if (table.policyHash !== want) {
      throw new Route53Error(
        'E_R53_TABLE_SOURCE',
        `the routing table was computed from another policy (table policyHash ${String(table.policyHash).slice(0, 12)}…, this policy ${want.slice(0, 12)}…); refusing to plan: point --table at a controller running this policy file`,
      );
    }
  }
  const cloudwatchRegion = alarmRegionOf(policy, opts.cloudwatchRegion);
  const edges = new Map(policy.edges.map((e) => [e.id, e]));
  const zones = new Map<string, ZoneRef & { units: DesiredUnit[] }>();
  const healthChecks: Record<string, HealthCheckSpec> = {};
  const alarms: Record<string, AlarmSpec> = {};
  // Every managed zone is listed, even without services: records of a
  // service removed from the policy must still be found and deleted.
  for (const z of policy.zones) {
    if (!z.route53) continue;
    const id = bareId(z.route53.hostedZoneId);
    if (!zones.has(id)) zones.set(id, { hostedZoneId: id, name: normalizeName(z.name), units: [] });
  }
  const cidr = cidrCollection(policy);

  for (const service of policy.services) {
    const zone = zoneOf(policy.zones, service);
    if (!zone?.route53) continue;
    const zoneName = normalizeName(zone.name);
    const hostedZoneId = bareId(zone.route53.hostedZoneId);
    const dz = zones.get(hostedZoneId)!;
    const routes = table.services[service.id];
    if (!routes) {
      throw new Route53Error('E_R53_TABLE_SOURCE', `routing table has no entry for service ${service.id}: it was computed from another policy; refusing to plan (records would be deleted)`);
    }
    const allowed = [...new Set([...service.edges, ...service.fallback])];
    for (const edgeId of allowed) {
      const edge = edges.get(edgeId);
      if (!edge || healthChecks[edgeId]) continue;
      const alarm = { region: cloudwatchRegion, name: alarmName(policy.owner, edgeId) };
      healthChecks[edgeId] = healthCheckSpec(edge, alarm);
      if (edge.check.route53 === 'cloudwatch') alarms[edgeId] = alarmSpec(policy, edgeId, opts.alarm);
    }
    const useCidr = cidr !== undefined;
    const latencyName = useCidr ? latencySetName(service.id, zoneName) : normalizeName(service.name);
    const seenAws = new Map<string, string>();
    const chainsOf = new Map<string, Set<string>>(); // region id → types with a chain
    for (const region of policy.regions) {
      const entry = routes.regions[region.id];
      if (!entry) {
        throw new Route53Error('E_R53_TABLE_SOURCE', `routing table has no entry for service ${service.id} in region ${region.id}: it was computed from another policy`);
      }
      const prior = seenAws.get(region.aws);
      const wantsLatency = prior === undefined;
      if (!wantsLatency) {
        // Route53 keeps one latency record per AWS region, name and type.
        warnings.push(`service ${service.id}: regions ${prior} and ${region.id} share AWS region ${region.aws}; only ${prior} gets a latency record`);
        // A CIDR location still needs this region's chain.
        if (!useCidr || region.clientCidrs.length === 0) continue;
      } else {
        seenAws.set(region.aws, region.id);
      }
      const order = chainOrder(entry.ranked.length > 0 ? entry.ranked : entry.answer, service, edges, allowed);
      for (const type of service.types) {
        const usable = order.filter((e) => canServe(e, type));
        if (usable.length === 0) continue;
        const setName = failoverSetName(service.id, region.id, zoneName);
        const records: DesiredUnit['records'] = chainRecords(usable, type, service, region.id, setName, hostedZoneId);
        if (wantsLatency) {
          records.push({
            name: latencyName,
            type,
            setIdentifier: latencySetId(service.id, region.id),
            region: region.aws,
            // EvaluateTargetHealth: when every edge of the chain is unhealthy,
            // Route53 answers from the next-closest region instead.
            alias: { hostedZoneId, dnsName: setName, evaluateTargetHealth: true },
          });
        }
        let types = chainsOf.get(region.id);
        if (!types) chainsOf.set(region.id, (types = new Set()));
        types.add(type);
        dz.units.push({ id: `${service.id}/${region.id}/${type}`, service: service.id, records });
      }
    }
    if (useCidr) {
      // The service name: one CIDR record per mapped region, `*` → latency records.
      for (const type of service.types) {
        const records: DesiredUnit['records'] = [];
        for (const region of policy.regions) {
          if (region.clientCidrs.length === 0 || !chainsOf.get(region.id)?.has(type)) continue;
          const location = cidrLocationName(region.id);
          records.push({
            name: normalizeName(service.name),
            type,
            setIdentifier: cidrSetId(service.id, location),
            cidr: { collectionId: PENDING_CIDR, locationName: location },
            alias: { hostedZoneId, dnsName: failoverSetName(service.id, region.id, zoneName), evaluateTargetHealth: true },
          });
        }
        if ([...chainsOf.values()].some((t) => t.has(type))) {
          records.push({
            name: normalizeName(service.name),
            type,
            setIdentifier: cidrSetId(service.id, '*'),
            cidr: { collectionId: PENDING_CIDR, locationName: '*' },
            alias: { hostedZoneId, dnsName: latencyName, evaluateTargetHealth: true },
          });
        }
        if (records.length > 0) dz.units.push({ id: `${service.id}/cidr/${type}`, service: service.id, records });
      }
    }
  }
  const out: DesiredState = { owner: policy.owner, zones: [...zones.values()], healthChecks, alarms };
  if (cidr) out.cidrCollection = cidr;
  return { desired: out, warnings };
}

/**
 * The CIDR collection the policy asks for: one location per region with
 * `clientCidrs` (CIDRs normalised to their network address), or undefined
 * when no region lists any.
 */
export function cidrCollection(policy: Policy): CidrCollectionSpec | undefined {
  const locations: Record<string, string[]> = {};
  const managed = policy.zones.some((z) => z.route53 !== undefined);
  for (const r of policy.regions) {
    if (r.clientCidrs.length === 0) continue;
    locations[cidrLocationName(r.id)] = [...new Set(r.clientCidrs.map(normalizeCidr))].sort();
  }
  if (!managed || Object.keys(locations).length === 0) return undefined;
  return { name: cidrCollectionName(policy.owner), locations };
}

/** `10.1.2.3/8` → `10.0.0.0/8`; IPv6 lowercased and compressed. Route53 stores blocks in this form. */
export function normalizeCidr(cidr: string): string {
  const [addr = '', lenText = ''] = cidr.trim().split('/');
  const len = Number(lenText);
  if (addr.includes(':')) {
    const bytes = ipv6Bytes(addr);
    maskBytes(bytes, len);
    return `${formatIpv6(bytes)}/${len}`;
  }
  const bytes = addr.split('.').map(Number);
  maskBytes(bytes, len);
  return `${bytes.join('.')}/${len}`;
}

function maskBytes(bytes: number[], len: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
}

function ipv6Bytes(addr: string): number[] {
  const [head = '', tail] = addr.toLowerCase().split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

function formatIpv6(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of zero groups (≥ 2) becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Order of a region's failover chain: the table's ranking (healthy edges,
 * best first; only edges the service lists — an edge from another policy is
 * never placed), then the service's other undrained edges in policy order,
 * then its fallbacks.
 */
function chainOrder(ranked: readonly string[], service: Service, edges: ReadonlyMap<string, Edge>, allowed: readonly string[]): Edge[] {
  const ok = new Set(allowed);
  const out: string[] = [];
  const add = (id: string, undrainedOnly: boolean): void => {
    const e = edges.get(id);
    if (!e || !ok.has(id) || out.includes(id) || (undrainedOnly && e.drain)) return;
    out.push(id);
  };
  for (const id of ranked) add(id, false);
  for (const id of service.edges) add(id, true);
  for (const id of service.fallback) add(id, false);
  return out.map((id) => edges.get(id)!);
}

/** The chain's records, deepest link first so a batch creates alias targets before their aliases. */
function chainRecords(usable: readonly Edge[], type: 'A' | 'AAAA', service: Service, regionId: string, setName: string, hostedZoneId: string): DesiredUnit['records'] {
  const levels: DesiredUnit['records'][] = [];
  const last = Math.max(0, usable.length - 2);
  for (let level = 0; level <= last; level++) {
    const name = chainLevelName(setName, level);
    const recs: DesiredUnit['records'] = [];
    const primary = usable[level]!;
    recs.push({ ...edgeRecord(primary, type, service, { name, type, setIdentifier: failoverSetId(service.id, regionId, 'PRIMARY', level), failover: 'PRIMARY' }), healthCheckEdge: primary.id });
    if (level < last) {
      recs.push({
        name,
        type,
        setIdentifier: failoverSetId(service.id, regionId, 'SECONDARY', level),
        failover: 'SECONDARY',
        alias: { hostedZoneId, dnsName: chainLevelName(setName, level + 1), evaluateTargetHealth: true },
      });
    } else if (usable.length > level + 1) {
      const secondary = usable[level + 1]!;
      recs.push({ ...edgeRecord(secondary, type, service, { name, type, setIdentifier: failoverSetId(service.id, regionId, 'SECONDARY', level), failover: 'SECONDARY' }), healthCheckEdge: secondary.id });
    }
    levels.push(recs);
  }
  return levels.reverse().flat();
}

/** The zone a service's name lies in (longest match). */
export function zoneOf(zones: readonly Zone[], service: Service): Zone | undefined {
  const name = normalizeName(service.name);
  let best: Zone | undefined;
  for (const z of zones) {
    const zn = normalizeName(z.name);
    if (inZone(name, zn) && (!best || zn.length > normalizeName(best.name).length)) best = z;
  }
  return best;
}

function canServe(edge: Edge, type: 'A' | 'AAAA'): boolean {
  if (edge.alias) return true;
  return (type === 'A' ? edge.ipv4 : edge.ipv6).length > 0;
}

function edgeRecord(edge: Edge, type: 'A' | 'AAAA', service: Service, base: RecordSet): RecordSet {
  if (edge.alias) {
    return {
      ...base,
      alias: { hostedZoneId: bareId(edge.alias.hostedZoneId), dnsName: normalizeName(edge.alias.dnsName), evaluateTargetHealth: edge.alias.evaluateTargetHealth },
    };
  }
  return { ...base, ttl: service.ttl, values: [...(type === 'A' ? edge.ipv4 : edge.ipv6)] };
}

/** True when some Route53-managed service has an edge checked through a CloudWatch alarm. */
export function policyNeedsCloudWatch(policy: Policy): boolean {
  const edges = new Map(policy.edges.map((e) => [e.id, e]));
  return policy.services.some(
    (s) => zoneOf(policy.zones, s)?.route53 !== undefined && [...s.edges, ...s.fallback].some((id) => edges.get(id)?.check.route53 === 'cloudwatch'),
  );
}

/** True when the policy has a zone Route53 manages (`route53.hostedZoneId`). */
export function policyManagesRoute53(policy: Policy): boolean {
  return policy.zones.some((z) => z.route53 !== undefined);
}
