/**
 * The plan: a pure diff of desired against current state (no I/O). Records
 * are keyed by (name, type, SetIdentifier); only records carrying our
 * ownership marker are ever updated or deleted. Changes come grouped in
 * units — a record with its marker, a failover set with the latency record
 * that aliases it — that apply always sends in one atomic batch.
 */
import { diffAlarm, parseAlarmDescription } from './alarms.js';
import { checksumOf } from './checksum.js';
import { diffHealthCheck, needsReplacement } from './health-checks.js';
import {
  PENDING_CIDR,
  PENDING_PREFIX,
  recordKey,
  type AlarmSpec,
  type CurrentHealthCheck,
  type CurrentState,
  type DesiredState,
  type HealthCheckSpec,
  type RecordSet,
} from './model.js';
import { indexMarkers, markerFor } from './ownership.js';
import { callerRefStem, TAG_EDGE, TAG_OWNER } from './names.js';

/** Why a change is in the plan. */
export type ChangeReason = 'create' | 'update' | 'delete' | 'take-ownership' | 'displace' | 'marker';

/** One ChangeResourceRecordSets change. */
export interface PlannedChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  /** What is sent: the new record, or for DELETE the current record exactly. */
  record: RecordSet;
  /** UPSERT: the record it replaces. */
  before?: RecordSet;
  /** UPSERT: names of the fields that change. */
  changed?: string[];
  /** True for ownership marker records. */
  marker: boolean;
  why: ChangeReason;
  /**
   * `health`: a re-rank of a failover chain (the same record now points at
   * another edge because the table's ranking moved: health or RTT). Not
   * counted by the 30% gate; bounded by the re-rank limit instead. Absent =
   * caused by the policy or ownership (counted by the gate).
   */
  cause?: 'health';
}

/** Changes that must land in the same batch, in this order. */
export interface PlanUnit {
  id: string;
  changes: PlannedChange[];
}

/** The record changes of one hosted zone. */
export interface ZonePlan {
  hostedZoneId: string;
  zone: string;
  units: PlanUnit[];
}

/** A health check change. `replace` creates a new check and deletes `id` once records point at the new one. */
export interface HealthCheckChange {
  action: 'create' | 'update' | 'replace' | 'delete' | 'adopt';
  edge: string;
  /** Existing check (update, replace, delete, adopt). */
  id?: string;
  /** HealthCheckVersion read with the check (optimistic locking for update). */
  version?: number;
  spec?: HealthCheckSpec;
  before?: HealthCheckSpec;
  changed?: string[];
  /** The check lacks our tags (found by its CallerReference after an interrupted apply): tag it. */
  tag?: boolean;
  /** Update only because the alarm changed: Route53 re-reads alarm settings on UpdateHealthCheck. */
  refreshAlarm?: boolean;
}

/** A CloudWatch alarm change (PutMetricAlarm creates or overwrites). */
export interface AlarmChange {
  action: 'put' | 'delete';
  name: string;
  edge: string;
  spec?: AlarmSpec;
  /** Empty for a new alarm. */
  changed?: string[];
}

/** Something edgesteer wanted to write but will not touch. */
export interface Conflict {
  zone: string;
  name: string;
  type: string;
  setIdentifier?: string;
  reason: string;
}

/** A change to the CIDR collection (IP-based routing for the policy's clientCidrs). */
export interface CidrChange {
  action: 'create' | 'update' | 'delete';
  name: string;
  /** Existing collection (update, delete). */
  id?: string;
  /** CollectionVersion read (optimistic locking for ChangeCidrCollection). */
  version?: number;
  /** Blocks to add per location (PUT), applied before the records. */
  put: Array<{ location: string; blocks: string[] }>;
  /** Blocks to remove per location (DELETE_IF_EXISTS), applied after the records. */
  remove: Array<{ location: string; blocks: string[] }>;
  /** Locations that still have blocks after the change (a block moving between two of them moves in one request). */
  staying: string[];
}

/** Counts for the summary line and the safety check. */
export interface PlanSummary {
  records: { create: number; update: number; delete: number };
  markers: { create: number; update: number; delete: number };
  healthChecks: { create: number; update: number; replace: number; delete: number; adopt: number };
  alarms: { put: number; delete: number };
  conflicts: number;
  /** Records (not markers) that carry our marker now. */
  ownedRecords: number;
  /** Owned records this plan updates or deletes because of the policy or ownership (what the 30% gate counts). */
  touchedOwned: number;
  /** Owned records re-pointed by a health/RTT re-rank (not counted by the gate). */
  reranked: number;
}

/** A reviewed-and-applied unit of work. */
export interface Plan {
  version: 1;
  owner: string;
  zones: ZonePlan[];
  healthChecks: HealthCheckChange[];
  alarms: AlarmChange[];
  /** The CIDR collection change, if any. */
  cidr?: CidrChange;
  conflicts: Conflict[];
  warnings: string[];
  summary: PlanSummary;
  /** Nothing to write. */
  empty: boolean;
  /** SHA-256 over the canonical JSON of owner, zones, healthChecks and alarms. */
  checksum: string;
}

/** Plan switches. */
export interface PlanOptions {
  /** Manage records at our keys that exist without any marker (and remove unowned records in their way). */
  takeOwnership?: boolean;
  warnings?: string[];
}

/** Diffs desired against current state. */
export function buildPlan(desired: DesiredState, current: CurrentState, opts: PlanOptions = {}): Plan {
  const owner = desired.owner;
  const refCount = new Map<string, number>();
  for (const z of current.zones) {
    for (const r of z.records) if (r.healthCheckId) refCount.set(r.healthCheckId, (refCount.get(r.healthCheckId) ?? 0) + 1);
  }
  const conflicts: Conflict[] = [];
  const alarms = planAlarms(desired, current.alarms, conflicts);
  const alarmWrites = new Set(alarms.filter((a) => a.action === 'put').map((a) => a.edge));
  const hc = planHealthChecks(desired, current.healthChecks, refCount, alarmWrites);
  // Which edge each existing check belongs to: tells a re-rank (same record, other edge) from a policy change.
  const edgeOfCheck = new Map<string, string>();
  for (const h of current.healthChecks) if (h.tags[TAG_OWNER] === owner && h.tags[TAG_EDGE] !== undefined) edgeOfCheck.set(h.id, h.tags[TAG_EDGE]!);
  const cidr = planCidr(desired, current);
  const cidrId = desired.cidrCollection ? (current.cidrCollection?.id ?? PENDING_CIDR) : undefined;
  const zones: ZonePlan[] = [];
  let ownedRecords = 0;
  let touchedOwned = 0;
  let reranked = 0;
  for (const dz of desired.zones) {
    const cz = current.zones.find((z) => z.hostedZoneId === dz.hostedZoneId);
    const r = planZone(dz, cz?.records ?? [], owner, hc.resolve, opts.takeOwnership === true, conflicts, edgeOfCheck, cidrId);
    ownedRecords += r.owned;
    touchedOwned += r.touched;
    reranked += r.reranked;
    zones.push({ hostedZoneId: dz.hostedZoneId, zone: dz.name, units: r.units });
  }
  return finishPlan({ owner, zones, healthChecks: hc.changes, alarms, ...(cidr ? { cidr } : {}) }, conflicts, opts.warnings ?? [], ownedRecords, touchedOwned, reranked);
}

/** Summary, emptiness and checksum of a plan body (also after units were deferred). */
export function finishPlan(
  body: { owner: string; zones: ZonePlan[]; healthChecks: HealthCheckChange[]; alarms: AlarmChange[]; cidr?: CidrChange },
  conflicts: Conflict[],
  warnings: string[],
  ownedRecords: number,
  touchedOwned: number,
  reranked: number,
): Plan {
  const summary = summarize(body.zones, body.healthChecks, body.alarms, conflicts.length, ownedRecords, touchedOwned, reranked);
  const empty = body.zones.every((z) => z.units.length === 0) && body.healthChecks.length === 0 && body.alarms.length === 0 && body.cidr === undefined;
  return { version: 1, ...body, conflicts, warnings, summary, empty, checksum: checksumOf(body) };
}

/** The CIDR collection diff: create it, move blocks between locations, or delete it when no longer wanted. */
function planCidr(desired: DesiredState, current: CurrentState): CidrChange | undefined {
  const want = desired.cidrCollection;
  const cur = current.cidrCollection;
  if (!want && !cur) return undefined;
  if (!want) {
    const remove = Object.entries(cur!.locations).filter(([, b]) => b.length > 0).map(([location, blocks]) => ({ location, blocks }));
    return { action: 'delete', name: cur!.name, id: cur!.id, version: cur!.version, put: [], remove, staying: [] };
  }
  const put: CidrChange['put'] = [];
  const remove: CidrChange['remove'] = [];
  const have = cur?.locations ?? {};
  for (const [location, blocks] of Object.entries(want.locations).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const h = new Set(have[location] ?? []);
    const add = blocks.filter((b) => !h.has(b));
    if (add.length > 0) put.push({ location, blocks: add });
  }
  for (const [location, blocks] of Object.entries(have).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const w = new Set(want.locations[location] ?? []);
    const drop = blocks.filter((b) => !w.has(b));
    if (drop.length > 0) remove.push({ location, blocks: drop });
  }
  const staying = Object.keys(want.locations).sort();
  if (!cur) return { action: 'create', name: want.name, put, remove: [], staying };
  if (put.length === 0 && remove.length === 0) return undefined;
  return { action: 'update', name: cur.name, id: cur.id, version: cur.version, put, remove, staying };
}

/** Field names that differ between a current and a desired record. */
export function diffRecord(current: RecordSet, desired: RecordSet): string[] {
  const out: string[] = [];
  if (current.ttl !== desired.ttl) out.push('ttl');
  if (!sameValues(current.values, desired.values)) out.push('values');
  if (!sameAlias(current.alias, desired.alias)) out.push('alias');
  if (current.region !== desired.region) out.push('region');
  if (current.failover !== desired.failover) out.push('failover');
  if (current.weight !== desired.weight) out.push('weight');
  if (current.healthCheckId !== desired.healthCheckId) out.push('healthCheckId');
  if (current.cidr?.collectionId !== desired.cidr?.collectionId || current.cidr?.locationName !== desired.cidr?.locationName) out.push('cidr');
  if (current.extra !== undefined && Object.keys(current.extra).length > 0) out.push('extra');
  return out;
}

function sameAlias(a: RecordSet['alias'], b: RecordSet['alias']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.hostedZoneId === b.hostedZoneId && a.dnsName === b.dnsName && a.evaluateTargetHealth === b.evaluateTargetHealth;
}

function sameValues(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}

// ---------------------------------------------------------------- records

interface UnitBuilder {
  id: string;
  displace: PlannedChange[];
  latencyDeletes: PlannedChange[];
  failoverDeletes: PlannedChange[];
  failoverWrites: PlannedChange[];
  latencyWrites: PlannedChange[];
}

function newUnit(id: string): UnitBuilder {
  return { id, displace: [], latencyDeletes: [], failoverDeletes: [], failoverWrites: [], latencyWrites: [] };
}

/**
 * Order inside a batch, so Route53 validates every step: records in the way
 * go first, latency records stop pointing at a set before its records go,
 * a failover set is complete before a latency record aliases it.
 */
function flatten(u: UnitBuilder): PlanUnit {
  return { id: u.id, changes: [...u.displace, ...u.latencyDeletes, ...u.failoverDeletes, ...u.failoverWrites, ...u.latencyWrites] };
}

function planZone(
  dz: DesiredState['zones'][number],
  current: readonly RecordSet[],
  owner: string,
  resolve: (edge: string) => string,
  takeOwnership: boolean,
  conflicts: Conflict[],
  edgeOfCheck: ReadonlyMap<string, string>,
  cidrId: string | undefined,
): { units: PlanUnit[]; owned: number; touched: number; reranked: number } {
  const byKey = new Map<string, RecordSet>();
  const keyOf = new Map<RecordSet, string>();
  const byName = new Map<string, RecordSet[]>();
  for (const r of current) {
    const k = recordKey(r);
    byKey.set(k, r);
    keyOf.set(r, k);
    const list = byName.get(r.name);
    if (list) list.push(r);
    else byName.set(r.name, [r]);
  }
  const markers = indexMarkers(current);
  const markerRecords = new Set<RecordSet>();
  for (const m of markers.values()) markerRecords.add(m.marker);
  const ownerOf = (key: string): string | undefined => markers.get(key)?.info.owner;
  const desiredKeys = new Set<string>();
  for (const du of dz.units) for (const r of du.records) desiredKeys.add(recordKey(r));

  const conflictSeen = new Set<string>();
  const conflict = (r: RecordSet, reason: string): void => {
    const k = recordKey(r);
    if (conflictSeen.has(k)) return;
    conflictSeen.add(k);
    const c: Conflict = { zone: dz.name, name: r.name, type: r.type, reason };
    if (r.setIdentifier !== undefined) c.setIdentifier = r.setIdentifier;
    conflicts.push(c);
  };

  let touched = 0;
  let reranked = 0;
  const builders: UnitBuilder[] = [];
  const anchors = new Map<string, UnitBuilder>();
  // Unit writing the latency or CIDR records at a name: records of the other
  // routing kind left at that name go in the same batch, before the writes.
  const nameWriters = new Map<string, UnitBuilder>();
  const displaced = new Set<string>();

  for (const du of dz.units) {
    const u = newUnit(du.id);
    builders.push(u);
    for (const raw of du.records) {
      const { healthCheckEdge, ...rest } = raw;
      let want: RecordSet = healthCheckEdge !== undefined ? { ...rest, healthCheckId: resolve(healthCheckEdge) } : rest;
      if (want.cidr && cidrId !== undefined) want = { ...want, cidr: { ...want.cidr, collectionId: cidrId } };
      if (want.failover) anchors.set(`${want.name}|${want.type}`, u);
      else if (!nameWriters.has(`${want.name}|${want.type}`)) nameWriters.set(`${want.name}|${want.type}`, u);
      const writes = want.failover ? u.failoverWrites : u.latencyWrites;

      // Records Route53 would not let ours sit beside: a CNAME at the name,
      // or a record of the same type without a SetIdentifier.
      let blocked = false;
      for (const other of byName.get(want.name) ?? []) {
        const inTheWay = (other.type === 'CNAME' && want.type !== 'CNAME') || (other.type === want.type && other.setIdentifier === undefined);
        if (!inTheWay || markerRecords.has(other)) continue;
        const okey = keyOf.get(other)!;
        if (desiredKeys.has(okey) || displaced.has(okey)) continue;
        const o = ownerOf(okey);
        if (o === owner) {
          // Ours but no longer wanted: it must go before our record can be written.
          u.displace.push({ action: 'DELETE', record: other, marker: false, why: 'delete' });
          u.displace.push({ action: 'DELETE', record: markers.get(okey)!.marker, marker: true, why: 'marker' });
          displaced.add(okey);
        } else if (o === undefined && takeOwnership) {
          u.displace.push({ action: 'DELETE', record: other, marker: false, why: 'displace' });
          displaced.add(okey);
        } else {
          conflict(other, o === undefined
            ? `blocks the ${want.type} records edgesteer manages at this name and has no edgesteer marker; rerun with --take-ownership to replace it`
            : `blocks the ${want.type} records edgesteer manages at this name and belongs to edgesteer owner ${o}`);
          blocked = true;
        }
      }
      if (blocked) continue;

      const key = recordKey(want);
      const cur = byKey.get(key);
      const recOwner = ownerOf(key);
      const wantMarker = markerFor(want, owner, du.service);
      const curMarker = byKey.get(recordKey(wantMarker));
      if (recOwner !== undefined && recOwner !== owner) {
        conflict(want, `owned by edgesteer owner ${recOwner}; not touched`);
        continue;
      }
      if (!cur) {
        writes.push({ action: 'CREATE', record: want, marker: false, why: 'create' });
      } else if (recOwner === owner) {
        const changed = diffRecord(cur, want);
        if (changed.length > 0) {
          // A chain link that now points at another edge: the table re-ranked (health/RTT).
          const curEdge = cur.healthCheckId !== undefined ? edgeOfCheck.get(cur.healthCheckId) : undefined;
          const rerank = want.failover !== undefined && healthCheckEdge !== undefined && curEdge !== undefined && curEdge !== healthCheckEdge && !changed.includes('ttl');
          const c: PlannedChange = { action: 'UPSERT', record: want, before: cur, changed, marker: false, why: 'update' };
          if (rerank) {
            c.cause = 'health';
            reranked++;
          } else {
            touched++;
          }
          writes.push(c);
        }
      } else if (takeOwnership) {
        const changed = diffRecord(cur, want);
        if (changed.length > 0) writes.push({ action: 'UPSERT', record: want, before: cur, changed, marker: false, why: 'take-ownership' });
      } else {
        conflict(want, 'exists without an edgesteer ownership marker; rerun with --take-ownership to manage it');
        continue;
      }
      if (!curMarker) {
        writes.push({ action: 'CREATE', record: wantMarker, marker: true, why: 'marker' });
      } else {
        const changed = diffRecord(curMarker, wantMarker);
        if (changed.length > 0) writes.push({ action: 'UPSERT', record: wantMarker, before: curMarker, changed, marker: true, why: 'marker' });
      }
    }
  }

  // Owned records that are no longer wanted, and markers left without a record.
  let owned = 0;
  const deleteUnits = new Map<string, UnitBuilder>();
  const unitFor = (anchor: string): UnitBuilder => {
    const a = anchors.get(anchor) ?? deleteUnits.get(anchor);
    if (a) return a;
    const u = newUnit(`delete:${anchor}`);
    deleteUnits.set(anchor, u);
    return u;
  };
  for (const r of current) {
    if (markerRecords.has(r)) continue;
    const key = keyOf.get(r)!;
    if (ownerOf(key) !== owner) continue;
    owned++;
    if (desiredKeys.has(key)) continue;
    touched++;
    if (displaced.has(key)) continue;
    const marker = markers.get(key)!.marker;
    const isLatencyAlias = r.failover === undefined && r.alias !== undefined;
    const writer = r.failover === undefined ? nameWriters.get(`${r.name}|${r.type}`) : undefined;
    const u = writer ?? unitFor(isLatencyAlias ? `${r.alias!.dnsName}|${r.type}` : `${r.name}|${r.type}`);
    const bucket = writer || isLatencyAlias ? u.latencyDeletes : u.failoverDeletes;
    bucket.push({ action: 'DELETE', record: r, marker: false, why: 'delete' });
    bucket.push({ action: 'DELETE', record: marker, marker: true, why: 'marker' });
  }
  for (const [ownedKey, { marker, info }] of markers) {
    if (info.owner !== owner || byKey.has(ownedKey) || desiredKeys.has(ownedKey)) continue;
    const [name, type] = ownedKey.split('|');
    unitFor(`${name}|${type}`).failoverDeletes.push({ action: 'DELETE', record: marker, marker: true, why: 'marker' });
  }

  const units = [...builders, ...[...deleteUnits.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))]
    .map(flatten)
    .filter((u) => u.changes.length > 0);
  return { units, owned, touched, reranked };
}

// ---------------------------------------------------------- health checks

function planHealthChecks(
  desired: DesiredState,
  current: readonly CurrentHealthCheck[],
  refCount: Map<string, number>,
  alarmWrites: ReadonlySet<string>,
): { changes: HealthCheckChange[]; resolve: (edge: string) => string } {
  const owner = desired.owner;
  const changes: HealthCheckChange[] = [];
  const resolved = new Map<string, string>();
  const ours = current.filter((h) => h.tags[TAG_OWNER] === owner);
  const untagged = current.filter((h) => h.tags[TAG_OWNER] === undefined);
  const refs = (h: CurrentHealthCheck): number => refCount.get(h.id) ?? 0;
  const byPreference = (a: { h: CurrentHealthCheck; diff: string[] }, b: { h: CurrentHealthCheck; diff: string[] }): number =>
    a.diff.length - b.diff.length || refs(b.h) - refs(a.h) || (a.h.id < b.h.id ? -1 : a.h.id > b.h.id ? 1 : 0);

  for (const edge of Object.keys(desired.healthChecks).sort()) {
    const spec = desired.healthChecks[edge]!;
    const stem = callerRefStem(owner, edge);
    const candidates = [
      ...ours.filter((h) => h.tags[TAG_EDGE] === edge),
      ...untagged.filter((h) => h.callerReference.startsWith(stem)),
    ].map((h) => ({ h, diff: diffHealthCheck(h.spec, spec) as string[] }));
    if (candidates.length === 0) {
      changes.push({ action: 'create', edge, spec });
      resolved.set(edge, PENDING_PREFIX + edge);
      continue;
    }
    const keepable = candidates.filter((c) => !needsReplacement(c.h.spec, spec)).sort(byPreference);
    const keep = keepable[0];
    if (keep) {
      const tag = keep.h.tags[TAG_OWNER] !== owner || keep.h.tags[TAG_EDGE] !== edge;
      // A rewritten alarm is only picked up by Route53 on UpdateHealthCheck.
      const refresh = spec.type === 'CLOUDWATCH_METRIC' && alarmWrites.has(edge);
      if (keep.diff.length > 0 || refresh) {
        const c: HealthCheckChange = { action: 'update', edge, id: keep.h.id, version: keep.h.version, spec, before: keep.h.spec, changed: keep.diff };
        if (tag) c.tag = true;
        if (keep.diff.length === 0) c.refreshAlarm = true;
        changes.push(c);
      } else if (tag) {
        changes.push({ action: 'adopt', edge, id: keep.h.id, spec });
      }
      resolved.set(edge, keep.h.id);
      for (const c of candidates) if (c !== keep) changes.push({ action: 'delete', edge, id: c.h.id, before: c.h.spec });
    } else {
      const [first, ...rest] = [...candidates].sort((a, b) => refs(b.h) - refs(a.h) || (a.h.id < b.h.id ? -1 : 1));
      changes.push({ action: 'replace', edge, id: first!.h.id, spec, before: first!.h.spec, changed: first!.diff });
      for (const c of rest) changes.push({ action: 'delete', edge, id: c.h.id, before: c.h.spec });
      resolved.set(edge, PENDING_PREFIX + edge);
    }
  }
  for (const h of ours) {
    const edge = h.tags[TAG_EDGE] ?? '';
    if (desired.healthChecks[edge] === undefined) changes.push({ action: 'delete', edge, id: h.id, before: h.spec });
  }
  return {
    changes,
    resolve: (edge) => resolved.get(edge) ?? PENDING_PREFIX + edge,
  };
}

// ----------------------------------------------------------------- alarms

function planAlarms(desired: DesiredState, current: readonly AlarmSpec[], conflicts: Conflict[]): AlarmChange[] {
  const owner = desired.owner;
  const byName = new Map(current.map((a) => [a.name, a]));
  const out: AlarmChange[] = [];
  const wanted = new Set<string>();
  for (const edge of Object.keys(desired.alarms).sort()) {
    const spec = desired.alarms[edge]!;
    wanted.add(spec.name);
    const cur = byName.get(spec.name);
    if (!cur) {
      out.push({ action: 'put', name: spec.name, edge, spec, changed: [] });
      continue;
    }
    if (parseAlarmDescription(cur.description)?.owner !== owner) {
      conflicts.push({ zone: '(cloudwatch)', name: spec.name, type: 'alarm', reason: 'an alarm with this name exists without an edgesteer description; not touched' });
      continue;
    }
    const changed = diffAlarm(cur, spec);
    if (changed.length > 0) out.push({ action: 'put', name: spec.name, edge, spec, changed });
  }
  for (const a of current) {
    const info = parseAlarmDescription(a.description);
    if (info?.owner === owner && !wanted.has(a.name)) out.push({ action: 'delete', name: a.name, edge: info.edge });
  }
  return out;
}

// ---------------------------------------------------------------- summary

function summarize(
  zones: ZonePlan[],
  hcs: HealthCheckChange[],
  alarms: AlarmChange[],
  conflicts: number,
  ownedRecords: number,
  touchedOwned: number,
  reranked: number,
): PlanSummary {
  const s: PlanSummary = {
    records: { create: 0, update: 0, delete: 0 },
    markers: { create: 0, update: 0, delete: 0 },
    healthChecks: { create: 0, update: 0, replace: 0, delete: 0, adopt: 0 },
    alarms: { put: 0, delete: 0 },
    conflicts,
    ownedRecords,
    touchedOwned,
    reranked,
  };
  for (const z of zones) {
    for (const u of z.units) {
      for (const c of u.changes) {
        const bucket = c.marker ? s.markers : s.records;
        if (c.action === 'CREATE') bucket.create++;
        else if (c.action === 'UPSERT') bucket.update++;
        else bucket.delete++;
      }
    }
  }
  for (const h of hcs) s.healthChecks[h.action]++;
  for (const a of alarms) s.alarms[a.action]++;
  return s;
}
