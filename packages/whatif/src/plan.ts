/**
 * What a policy change does to traffic, before it ships: the routing table
 * under the current and the new policy from the same observations (core's
 * decide(), same state, same clock), per service and client region the
 * answer before → after, the share of clients that moves, the Route53
 * record changes the reconciler would make (packages/route53's desired
 * state, diffed record by record; no network), and warnings for risky
 * changes. Pure: the caller brings policies, state, clock and client maps.
 */
import { decide, isFresh, type DecisionState, type RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { desiredState, describeRecord, diffRecord, recordKey, type RecordSet } from '@edgesteer/route53';
import { clientMapFromPolicy, movedSpace, rangeIndex, regionOf, spaceShares, type ClientMapLike } from './client-share.js';

export interface PlanInput {
  current: Policy;
  next: Policy;
  /** Decision state holding the current observations (initialState() = none: every edge assumed up). */
  state: DecisionState;
  now: number;
  /** Client maps of each policy; default clientMapFromPolicy() of each. */
  clientMapBefore?: ClientMapLike;
  clientMapAfter?: ClientMapLike;
  /** Sampled client addresses (e.g. from resolver logs), to count moved clients by sample too. */
  samples?: readonly string[];
}

/** One (service, client region) whose answer changes. */
export interface RouteChange {
  service: string;
  region: string;
  before: string[];
  after: string[];
  modeBefore: string;
  modeAfter: string;
  /** The region's share of each family's address space (under the new client map). */
  space: { v4: number; v6: number };
  /** Share of the samples in this region (new map), when samples were given. */
  sampled?: number;
}

/** Per service: how many clients get another answer. */
export interface ServiceMove {
  service: string;
  routes: number;
  changed: number;
  /** Share of each family's address space whose answer changes (both maps overlaid). */
  space: { v4: number; v6: number };
  /** Share of samples whose answer changes, when samples were given. */
  sampled?: number;
}

export interface Route53Change {
  action: 'create' | 'delete' | 'update';
  record: string;
  /** Updated fields. */
  fields?: string[];
}

export interface PolicyPlan {
  now: number;
  policyHashBefore: string;
  policyHashAfter: string;
  clientMap: { before: string; after: string };
  /** Links with fresh data / regions with fresh data at `now` (how much the plan knows). */
  observed: { freshLinks: number; regionsWithData: number };
  changes: RouteChange[];
  services: ServiceMove[];
  /** Largest moved share of any service: by samples when given, else the larger address-space share. */
  maxMoved: number;
  route53: { changes: Route53Change[]; warnings: string[]; managedZones: number };
  warnings: string[];
  samples: number;
}

/** Computes the plan (see module doc). */
export function planPolicyChange(input: PlanInput): PolicyPlan {
  const { current, next, state, now } = input;
  const before = decide(current, state, now).table;
  const after = decide(next, state, now).table;
  const mapBefore = input.clientMapBefore ?? clientMapFromPolicy(current);
  const mapAfter = input.clientMapAfter ?? clientMapFromPolicy(next);
  const shares = spaceShares(mapAfter);
  const samples = input.samples ?? [];
  const idxBefore = rangeIndex(mapBefore);
  const idxAfter = rangeIndex(mapAfter);
  const sampleRegions = samples.map((a) => [regionOf(mapBefore, a, idxBefore), regionOf(mapAfter, a, idxAfter)] as const).filter(([a, b]) => a !== undefined && b !== undefined);
  const sampledIn = (region: string) => sampleRegions.filter(([, r]) => r === region).length / Math.max(1, sampleRegions.length);

  const answerOf = (t: RoutingTable, s: string, r: string | undefined) => (r === undefined ? '' : (t.services[s]?.regions[r]?.answer ?? []).join(','));
  const changes: RouteChange[] = [];
  const services: ServiceMove[] = [];
  const ids = [...new Set([...Object.keys(before.services), ...Object.keys(after.services)])].sort();
  for (const s of ids) {
    const regions = [...new Set([...Object.keys(before.services[s]?.regions ?? {}), ...Object.keys(after.services[s]?.regions ?? {})])].sort();
    let changed = 0;
    for (const r of regions) {
      const b = before.services[s]?.regions[r];
      const a = after.services[s]?.regions[r];
      if ((b?.answer ?? []).join(',') === (a?.answer ?? []).join(',')) continue;
      changed++;
      const c: RouteChange = { service: s, region: r, before: [...(b?.answer ?? [])], after: [...(a?.answer ?? [])], modeBefore: b?.mode ?? 'absent', modeAfter: a?.mode ?? 'absent', space: shares[r] ?? { v4: 0, v6: 0 } };
      if (sampleRegions.length > 0) c.sampled = sampledIn(r);
      changes.push(c);
    }
    const move: ServiceMove = {
      service: s,
      routes: regions.length,
      changed,
      space: movedSpace(mapBefore, mapAfter, (r) => answerOf(before, s, r), (r) => answerOf(after, s, r)),
    };
    if (sampleRegions.length > 0) move.sampled = sampleRegions.filter(([rb, ra]) => answerOf(before, s, rb) !== answerOf(after, s, ra)).length / sampleRegions.length;
    services.push(move);
  }
  const maxMoved = Math.max(0, ...services.map((m) => (m.sampled !== undefined ? m.sampled : Math.max(m.space.v4, m.space.v6))));

  let freshLinks = 0;
  const withData = new Set<string>();
  for (const [key, link] of Object.entries(state.links)) {
    if (!isFresh(link, now, next.health.staleAfterMs)) continue;
    freshLinks++;
    withData.add(key.split('|')[0]!);
  }

  return {
    now,
    policyHashBefore: before.policyHash,
    policyHashAfter: after.policyHash,
    clientMap: { before: mapBefore.hash, after: mapAfter.hash },
    observed: { freshLinks, regionsWithData: withData.size },
    changes,
    services,
    maxMoved,
    route53: route53Changes(current, before, next, after),
    warnings: riskWarnings(current, next, before, after, withData),
    samples: sampleRegions.length,
  };
}

/** Record changes between the desired Route53 states of the two policies (what the reconciler would do, given it had applied the current one). */
function route53Changes(current: Policy, before: RoutingTable, next: Policy, after: RoutingTable): PolicyPlan['route53'] {
  const records = (policy: Policy, table: RoutingTable) => {
    const { desired, warnings } = desiredState(policy, table);
    const map = new Map<string, RecordSet & { healthCheckEdge?: string }>();
    for (const z of desired.zones) for (const u of z.units) for (const r of u.records) map.set(`${z.hostedZoneId} ${recordKey(r)}`, r);
    return { map, warnings, zones: desired.zones.length };
  };
  let b;
  let a;
  try {
    b = records(current, before);
    a = records(next, after);
  } catch (err) {
    return { changes: [], warnings: [`Route53 layout not computed: ${(err as Error).message}`], managedZones: 0 };
  }
  const changes: Route53Change[] = [];
  for (const [k, r] of a.map) {
    const old = b.map.get(k);
    if (!old) changes.push({ action: 'create', record: describeRecord(r) });
    else {
      const fields = diffRecord(old, r);
      if (old.healthCheckEdge !== r.healthCheckEdge) fields.push('healthCheck');
      if (fields.length > 0) changes.push({ action: 'update', record: describeRecord(r), fields });
    }
  }
  for (const [k, r] of b.map) if (!a.map.has(k)) changes.push({ action: 'delete', record: describeRecord(r) });
  changes.sort((x, y) => (x.record < y.record ? -1 : x.record > y.record ? 1 : x.action < y.action ? -1 : 1));
  return { changes, warnings: [...new Set(a.warnings)], managedZones: a.zones };
}

/** Risky changes: a region down to one healthy edge, a quorum no set of probes can reach, a fallback that is down now. */
function riskWarnings(current: Policy, next: Policy, before: RoutingTable, after: RoutingTable, regionsWithData: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [s, routes] of Object.entries(after.services)) {
    for (const [r, e] of Object.entries(routes.regions)) {
      const was = before.services[s]?.regions[r];
      const wasCount = was?.mode === 'ranked' ? was.ranked.length : 0;
      if (e.mode === 'ranked' && e.ranked.length === 1 && wasCount !== 1) out.push(`${s} in ${r}: one healthy edge left (${e.ranked[0]}), no second choice if it fails`);
      if (e.mode !== 'ranked' && was?.mode === 'ranked') out.push(`${s} in ${r}: no healthy edge under the new policy; it would answer ${e.mode === 'closed' ? 'nothing (fail-closed)' : `the fallback ${e.answer.join(',') || '-'}`}`);
    }
  }
  const probing = regionsWithData.size > 0 ? regionsWithData.size : next.regions.length;
  const quorum = Math.min(next.health.quorum, next.regions.length);
  if (quorum > probing) {
    out.push(`health.quorum ${next.health.quorum} is more than the ${probing} region(s) with probe data now: no edge can be failed over until more probes report`);
  } else if (next.health.quorum > next.regions.length && next.health.quorum !== current.health.quorum) {
    out.push(`health.quorum ${next.health.quorum} is more than the ${next.regions.length} policy regions; it is capped at ${next.regions.length}`);
  }
  for (const svc of next.services) {
    const set = svc.fallback.length > 0 ? svc.fallback : svc.edges;
    const down = set.filter((id) => after.edges[id]?.up === false);
    if (down.length === set.length && set.length > 0) out.push(`${svc.id}: every fallback edge is down now (${down.join(', ')}): fail-open would answer dead edges`);
    else if (down.length > 0) out.push(`${svc.id}: fallback edge(s) down now: ${down.join(', ')}`);
  }
  return out;
}
