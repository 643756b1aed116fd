/**
 * Desired Route53 state from the policy and the routing table ("Route53
 * layout" in design.md). For each service S in a Route53-managed zone, each
 * region R and each record type T:
 *
 *   S.name           T  latency  SetIdentifier S-R  Region aws(R)
 *                                alias → R.S._edgesteer.<zone> (EvaluateTargetHealth)
 *   R.S._edgesteer.<zone>  T  failover PRIMARY   S-R-primary   → ranked[0] (+ its health check)
 *   R.S._edgesteer.<zone>  T  failover SECONDARY S-R-secondary → ranked[1] (+ its health check)
 *
 * An edge is an alias record when it has an alias target, else an A/AAAA
 * record of its addresses. Ranking comes from core (the table); this file
 * only lays it out. With nothing healthy the table's fallback answer is used;
 * with fail-closed and nothing healthy the region gets no records.
 */
import type { Edge, Policy, Service, Zone } from '@edgesteer/policy';
import type { RoutingTable } from '@edgesteer/core';
import { alarmSpec, type AlarmOptions } from './alarms.js';
import { Route53Error } from './errors.js';
import { healthCheckSpec } from './health-checks.js';
import type { AlarmSpec, DesiredState, DesiredUnit, HealthCheckSpec, RecordSet, ZoneRef } from './model.js';
import { alarmName, bareId, failoverSetId, failoverSetName, inZone, latencySetId, normalizeName } from './names.js';

/** Knobs of the desired state that do not live in the policy. */
export interface DesiredOptions {
  /** Region of the CloudWatch alarms behind CLOUDWATCH_METRIC health checks. Default us-east-1. */
  cloudwatchRegion?: string;
  alarm?: AlarmOptions;
}

/** Desired state plus anything worth telling the operator about it. */
export interface DesiredResult {
  desired: DesiredState;
  warnings: string[];
}

/** Computes the desired state. Pure: no I/O, no clock. */
export function desiredState(policy: Policy, table: RoutingTable, opts: DesiredOptions = {}): DesiredResult {
  const warnings: string[] = [];
  const cloudwatchRegion = opts.cloudwatchRegion ?? 'us-east-1';
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
    for (const edgeId of new Set([...service.edges, ...service.fallback])) {
      const edge = edges.get(edgeId);
      if (!edge || healthChecks[edgeId]) continue;
      const alarm = { region: cloudwatchRegion, name: alarmName(policy.owner, edgeId) };
      healthChecks[edgeId] = healthCheckSpec(edge, alarm);
      if (edge.check.route53 === 'cloudwatch') alarms[edgeId] = alarmSpec(policy, edgeId, opts.alarm);
    }
    const seenAws = new Map<string, string>();
    for (const region of policy.regions) {
      const entry = routes.regions[region.id];
      if (!entry) {
        throw new Route53Error('E_R53_TABLE_SOURCE', `routing table has no entry for service ${service.id} in region ${region.id}: it was computed from another policy`);
      }
      const prior = seenAws.get(region.aws);
      if (prior !== undefined) {
        // Route53 keeps one latency record per AWS region, name and type.
        warnings.push(`service ${service.id}: regions ${prior} and ${region.id} share AWS region ${region.aws}; only ${prior} gets a latency record`);
        continue;
      }
      seenAws.set(region.aws, region.id);
      const candidates = (entry.ranked.length > 0 ? entry.ranked : entry.answer)
        .map((id) => edges.get(id))
        .filter((e): e is Edge => e !== undefined);
      for (const type of service.types) {
        const usable = candidates.filter((e) => canServe(e, type));
        if (usable.length === 0) continue;
        const setName = failoverSetName(service.id, region.id, zoneName);
        const records: DesiredUnit['records'] = [];
        usable.slice(0, 2).forEach((edge, i) => {
          const role = i === 0 ? 'PRIMARY' : 'SECONDARY';
          records.push({
            ...edgeRecord(edge, type, service, { name: setName, type, setIdentifier: failoverSetId(service.id, region.id, role), failover: role }),
            healthCheckEdge: edge.id,
          });
        });
        records.push({
          name: normalizeName(service.name),
          type,
          setIdentifier: latencySetId(service.id, region.id),
          region: region.aws,
          // EvaluateTargetHealth: when both edges of the set are unhealthy,
          // Route53 answers from the next-closest region instead.
          alias: { hostedZoneId, dnsName: setName, evaluateTargetHealth: true },
        });
        dz.units.push({ id: `${service.id}/${region.id}/${type}`, service: service.id, records });
      }
    }
  }
  return { desired: { owner: policy.owner, zones: [...zones.values()], healthChecks, alarms }, warnings };
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
