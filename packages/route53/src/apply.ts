/**
 * Applies a plan, in the order that keeps every request valid on its own:
 *
 *  1. alarms (PutMetricAlarm) — a CLOUDWATCH_METRIC check needs its alarm;
 *  2. health checks: create (and tag), update, adopt;
 *  3. records, zone by zone, in packed batches (ChangeResourceRecordSets);
 *     an invalid batch is split in halves down to the unit, then the unit
 *     into record+marker pairs, so one bad change does not block the zone
 *     and is reported precisely;
 *  4. wait for INSYNC (GetChange) so no resolver still sees a record that
 *     points at a check about to go;
 *  5. delete replaced or unwanted health checks, then their alarms.
 *
 * Every call is paced and retried by the ApiCaller. Anything left undone by
 * a crash or an error is picked up by the next plan: all steps are diffs.
 */
import { randomBytes } from 'node:crypto';
import {
  ChangeCidrCollectionCommand,
  CreateCidrCollectionCommand,
  DeleteCidrCollectionCommand,
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { DeleteAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { packBatches, ROUTE53_BATCH_LIMITS, splitPairs, type BatchLimits } from './batch.js';
import type { ApiCaller } from './caller.js';
import { Route53Error } from './errors.js';
import { PENDING_CIDR, PENDING_PREFIX, type RecordSet } from './model.js';
import { bareId, callerRefStem, TAG_EDGE, TAG_NAME, TAG_OWNER } from './names.js';
import { realSleep, type Sleep } from './pacing.js';
import type { CidrChange, Plan, PlanUnit } from './plan.js';
import { errorCode, httpStatus } from './retry.js';
import { alarmToSdk, healthCheckSpecToSdk, healthCheckUpdateToSdk, recordToSdk } from './sdk-shapes.js';

/** Progress of a long apply, for the CLI and logs. */
export interface ProgressEvent {
  phase: 'alarms' | 'cidr' | 'health-checks' | 'records' | 'insync' | 'cleanup';
  message: string;
  done?: number;
  total?: number;
}

/** Apply settings. */
export interface ApplyOptions {
  limits?: BatchLimits;
  /** Wait for INSYNC. Default true. */
  waitForInsync?: boolean;
  /** Give up waiting for INSYNC after this long. Default 10 minutes. */
  insyncTimeoutMs?: number;
  /** GetChange poll interval. Default 2 s. */
  insyncPollMs?: number;
  onProgress?: (e: ProgressEvent) => void;
  sleep?: Sleep;
  now?: () => number;
}

/** A change (or unit of changes) Route53 refused. */
export interface FailedChange {
  zone: string;
  unit: string;
  code: string;
  messages: string[];
  changes: Array<{ action: string; name: string; type: string; setIdentifier?: string }>;
}

/** A health check step that failed without stopping the apply. */
export interface FailedHealthCheck {
  edge: string;
  id?: string;
  action: string;
  code: string;
  message: string;
}

/** What apply did. */
export interface ApplyResult {
  /** ChangeResourceRecordSets requests accepted. */
  batches: number;
  changeIds: string[];
  /** Health checks created, by edge. */
  createdHealthChecks: Record<string, string>;
  failedChanges: FailedChange[];
  failedHealthChecks: FailedHealthCheck[];
  /** Attempts per API operation during this apply. */
  calls: Record<string, number>;
}

const SPLITTABLE = new Set(['InvalidChangeBatch', 'InvalidInput', 'NoSuchHealthCheck']);

/** Applies `plan`. Throws on errors that leave nothing sensible to continue with. */
export async function applyPlan(caller: ApiCaller, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const before = new Map(caller.counts);
  const progress = opts.onProgress ?? (() => undefined);
  const result: ApplyResult = { batches: 0, changeIds: [], createdHealthChecks: {}, failedChanges: [], failedHealthChecks: [], calls: {} };

  // 1. alarms
  const puts = plan.alarms.filter((a) => a.action === 'put');
  for (const [i, a] of puts.entries()) {
    await caller.cw('PutMetricAlarm', (c) => c.send(new PutMetricAlarmCommand(alarmToSdk(a.spec!))));
    progress({ phase: 'alarms', message: `alarm ${a.name} written`, done: i + 1, total: puts.length });
  }

  // 1b. CIDR collection: create it and add blocks before records use the locations.
  let cidrId = plan.cidr?.id;
  let cidrVersion = plan.cidr?.version;
  let lateRemovals = plan.cidr?.remove ?? [];
  if (plan.cidr && plan.cidr.action !== 'delete') {
    if (plan.cidr.action === 'create') {
      const res = await caller.r53('CreateCidrCollection', (c) => c.send(new CreateCidrCollectionCommand({ Name: plan.cidr!.name, CallerReference: `es-${plan.owner}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}` })));
      cidrId = res.Collection?.Id;
      cidrVersion = res.Collection?.Version ?? 1;
    }
    // A block moving between locations leaves its old location in the same request it joins the new one
    // (unless that would empty a location records may still use: then it goes after the records).
    const early = movedRemovals(plan.cidr);
    cidrVersion = await changeCidr(caller, cidrId!, cidrVersion, [...early.map((p) => ({ ...p, action: 'DELETE_IF_EXISTS' as const })), ...plan.cidr.put.map((p) => ({ ...p, action: 'PUT' as const }))], progress);
    lateRemovals = subtractRemovals(plan.cidr.remove, early);
  }

  // 2. health checks
  const resolved = new Map<string, string>();
  const hcWork = plan.healthChecks.filter((h) => h.action !== 'delete');
  for (const [i, h] of hcWork.entries()) {
    if (h.action === 'create' || h.action === 'replace') {
      const ref = callerRefStem(plan.owner, h.edge) + Date.now().toString(36) + randomBytes(3).toString('hex');
      const res = await caller.r53('CreateHealthCheck', (c) => c.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: healthCheckSpecToSdk(h.spec!) })));
      const id = bareId(res.HealthCheck?.Id ?? '');
      resolved.set(h.edge, id);
      result.createdHealthChecks[h.edge] = id;
      await tagHealthCheck(caller, plan.owner, h.edge, id);
    } else if (h.action === 'update') {
      await caller.r53('UpdateHealthCheck', (c) => c.send(new UpdateHealthCheckCommand(healthCheckUpdateToSdk(h.id!, h.version, h.before, h.spec!))));
      if (h.tag) await tagHealthCheck(caller, plan.owner, h.edge, h.id!);
    } else if (h.action === 'adopt') {
      await tagHealthCheck(caller, plan.owner, h.edge, h.id!);
    }
    progress({ phase: 'health-checks', message: `health check ${h.action} ${h.edge}`, done: i + 1, total: hcWork.length });
  }
  const realId = (id: string | undefined): string | undefined => {
    if (id === undefined || !id.startsWith(PENDING_PREFIX)) return id;
    const edge = id.slice(PENDING_PREFIX.length);
    const got = resolved.get(edge);
    if (got === undefined) throw new Route53Error('E_R53_APPLY_FAILED', `no health check was created for edge ${edge}; the plan is inconsistent — plan again`);
    return got;
  };

  // 3. records
  const limits = opts.limits ?? ROUTE53_BATCH_LIMITS;
  const perZone = plan.zones.map((z) => ({ zone: z, batches: packBatches(z.units, limits) }));
  const totalBatches = perZone.reduce((n, z) => n + z.batches.length, 0);
  let batchNo = 0;
  for (const { zone, batches } of perZone) {
    for (const units of batches) {
      batchNo++;
      const count = units.reduce((n, u) => n + u.changes.length, 0);
      await submit(units);
      progress({ phase: 'records', message: `batch ${batchNo}/${totalBatches} zone ${zone.zone}: ${count} changes`, done: batchNo, total: totalBatches });
    }

    async function submit(units: PlanUnit[]): Promise<void> {
      try {
        const res = await caller.r53('ChangeResourceRecordSets', (c) =>
          c.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: zone.hostedZoneId,
              ChangeBatch: {
                Comment: `edgesteer ${plan.owner} ${plan.checksum.slice(0, 12)}`,
                Changes: units.flatMap((u) => u.changes).map((ch) => ({ Action: ch.action, ResourceRecordSet: recordToSdk(withRealId(ch.record)) })),
              },
            }),
          ),
        );
        result.batches++;
        if (res.ChangeInfo?.Id) result.changeIds.push(bareId(res.ChangeInfo.Id));
      } catch (err) {
        const code = invalidBatchCode(err);
        if (code === undefined) {
          throw new Route53Error('E_R53_APPLY_FAILED', `zone ${zone.zone}: ChangeResourceRecordSets failed with ${errorCode(err)}: ${(err as Error).message}; the next run resumes from the current state`, { cause: err });
        }
        if (units.length > 1) {
          const mid = Math.ceil(units.length / 2);
          await submit(units.slice(0, mid));
          await submit(units.slice(mid));
          return;
        }
        const unit = units[0]!;
        const pairs = splitPairs(unit);
        if (pairs.length > 1) {
          for (const p of pairs) await submit([p]);
          return;
        }
        result.failedChanges.push({
          zone: zone.zone,
          unit: unit.id,
          code,
          messages: errorMessages(err),
          changes: unit.changes.map((ch) => ({
            action: ch.action,
            name: ch.record.name,
            type: ch.record.type,
            ...(ch.record.setIdentifier !== undefined ? { setIdentifier: ch.record.setIdentifier } : {}),
          })),
        });
      }
    }
  }

  function withRealId(r: RecordSet): RecordSet {
    const id = realId(r.healthCheckId);
    let out = id === r.healthCheckId ? r : { ...r, healthCheckId: id! };
    if (out.cidr?.collectionId === PENDING_CIDR) {
      if (cidrId === undefined) throw new Route53Error('E_R53_APPLY_FAILED', 'no CIDR collection was created; the plan is inconsistent — plan again');
      out = { ...out, cidr: { ...out.cidr, collectionId: cidrId } };
    }
    return out;
  }

  // 4. INSYNC
  const hcDeletes = plan.healthChecks.filter((h) => (h.action === 'delete' || h.action === 'replace') && h.id !== undefined);
  const alarmDeletes = plan.alarms.filter((a) => a.action === 'delete');
  if (opts.waitForInsync !== false && result.changeIds.length > 0) {
    await waitInsync(caller, result.changeIds, opts, progress);
  }

  // 5. cleanup
  const keptAlarmsFor = new Set<string>();
  for (const [i, h] of hcDeletes.entries()) {
    try {
      await caller.r53('DeleteHealthCheck', (c) => c.send(new DeleteHealthCheckCommand({ HealthCheckId: h.id! })));
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'NoSuchHealthCheck') {
        // Typically HealthCheckInUse: a record we do not own still points at it.
        result.failedHealthChecks.push({ edge: h.edge, id: h.id!, action: 'delete', code, message: (err as Error).message });
        if (h.action === 'delete') keptAlarmsFor.add(h.edge);
      }
    }
    progress({ phase: 'cleanup', message: `health check ${h.id} deleted`, done: i + 1, total: hcDeletes.length });
  }
  const names = alarmDeletes.filter((a) => !keptAlarmsFor.has(a.edge)).map((a) => a.name);
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    await caller.cw('DeleteAlarms', (c) => c.send(new DeleteAlarmsCommand({ AlarmNames: chunk })));
  }

  // CIDR blocks no longer wanted go once no record routes by them; the collection last.
  if (plan.cidr && cidrId !== undefined && lateRemovals.length > 0) {
    cidrVersion = await changeCidr(caller, cidrId, cidrVersion, lateRemovals.map((p) => ({ ...p, action: 'DELETE_IF_EXISTS' as const })), progress);
  }
  if (plan.cidr?.action === 'delete' && cidrId !== undefined) {
    await caller.r53('DeleteCidrCollection', (c) => c.send(new DeleteCidrCollectionCommand({ Id: cidrId })));
  }

  for (const [op, n] of caller.counts) {
    const d = n - (before.get(op) ?? 0);
    if (d > 0) result.calls[op] = d;
  }
  return result;
}

/** Removals of blocks the same plan adds elsewhere, from locations that keep other blocks (records may use them). */
function movedRemovals(c: CidrChange): CidrChange['remove'] {
  const added = new Set(c.put.flatMap((p) => p.blocks));
  const staying = new Set(c.staying);
  const out: CidrChange['remove'] = [];
  for (const r of c.remove) {
    const moving = r.blocks.filter((b) => added.has(b));
    if (moving.length > 0 && staying.has(r.location)) out.push({ location: r.location, blocks: moving });
  }
  return out;
}

function subtractRemovals(all: CidrChange['remove'], done: CidrChange['remove']): CidrChange['remove'] {
  const gone = new Set(done.flatMap((d) => d.blocks.map((b) => `${d.location}|${b}`)));
  return all.map((r) => ({ location: r.location, blocks: r.blocks.filter((b) => !gone.has(`${r.location}|${b}`)) })).filter((r) => r.blocks.length > 0);
}

/** Route53 takes at most 1,000 CIDR blocks per ChangeCidrCollection request. */
export const MAX_CIDRS_PER_REQUEST = 1000;

/**
 * ChangeCidrCollection in requests of at most 1,000 blocks, each carrying the
 * CollectionVersion read (Route53 refuses a stale version with
 * CidrCollectionVersionMismatch; the next reconcile re-reads and retries).
 * Returns the version after the last request.
 */
async function changeCidr(
  caller: ApiCaller,
  id: string,
  version: number | undefined,
  changes: Array<{ location: string; blocks: string[]; action: 'PUT' | 'DELETE_IF_EXISTS' }>,
  progress: (e: ProgressEvent) => void,
): Promise<number | undefined> {
  const flat = changes.flatMap((c) => c.blocks.map((b) => ({ location: c.location, action: c.action, block: b })));
  let v = version;
  for (let i = 0; i < flat.length; i += MAX_CIDRS_PER_REQUEST) {
    const chunk = flat.slice(i, i + MAX_CIDRS_PER_REQUEST);
    const grouped = new Map<string, { LocationName: string; Action: 'PUT' | 'DELETE_IF_EXISTS'; CidrList: string[] }>();
    for (const c of chunk) {
      const k = `${c.action}|${c.location}`;
      let g = grouped.get(k);
      if (!g) grouped.set(k, (g = { LocationName: c.location, Action: c.action, CidrList: [] }));
      g.CidrList.push(c.block);
    }
    try {
      await caller.r53('ChangeCidrCollection', (c) => c.send(new ChangeCidrCollectionCommand({ Id: id, ...(v !== undefined ? { CollectionVersion: v } : {}), Changes: [...grouped.values()] })));
    } catch (err) {
      const code = errorCode(err);
      throw new Route53Error('E_R53_APPLY_FAILED', `CIDR collection ${id}: ChangeCidrCollection failed with ${code}: ${(err as Error).message}; the next run re-reads the collection and resumes`, { cause: err });
    }
    if (v !== undefined) v++;
    progress({ phase: 'cidr', message: `CIDR collection ${id}: ${chunk.length} block change(s)`, done: Math.min(flat.length, i + chunk.length), total: flat.length });
  }
  return v;
}

async function tagHealthCheck(caller: ApiCaller, owner: string, edge: string, id: string): Promise<void> {
  await caller.r53('ChangeTagsForResource', (c) =>
    c.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'healthcheck',
        ResourceId: id,
        AddTags: [
          { Key: TAG_OWNER, Value: owner },
          { Key: TAG_EDGE, Value: edge },
          { Key: TAG_NAME, Value: `edgesteer ${owner} ${edge}` },
        ],
      }),
    ),
  );
}

async function waitInsync(caller: ApiCaller, ids: readonly string[], opts: ApplyOptions, progress: (e: ProgressEvent) => void): Promise<void> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const timeout = opts.insyncTimeoutMs ?? 600_000;
  const poll = opts.insyncPollMs ?? 2000;
  const deadline = now() + timeout;
  // Route53 applies a zone's changes in order, so the newest is the last to
  // converge; waiting on it first usually leaves one call for each other id.
  const pending = [...new Set(ids)].reverse();
  let done = 0;
  for (const id of pending) {
    for (;;) {
      const res = await caller.r53('GetChange', (c) => c.send(new GetChangeCommand({ Id: id })));
      if (res.ChangeInfo?.Status === 'INSYNC') break;
      if (now() >= deadline) {
        throw new Route53Error('E_R53_INSYNC_TIMEOUT', `change ${id} still ${res.ChangeInfo?.Status} after ${timeout} ms; records are written, cleanup of old health checks is left to the next run`);
      }
      await sleep(poll, caller.signal);
    }
    done++;
    progress({ phase: 'insync', message: `change ${id} INSYNC`, done, total: pending.length });
  }
}

/** The code when `err` is a per-change validation error worth isolating. */
function invalidBatchCode(err: unknown): string | undefined {
  const code = errorCode(err);
  if (SPLITTABLE.has(code)) return code;
  // The SDK does not map Route53's <InvalidChangeBatch> document root to an
  // error code; it does keep its <Messages>.
  if (httpStatus(err) === 400 && listedMessages(err).length > 0) return 'InvalidChangeBatch';
  return undefined;
}

/** `<Messages><Message>…` as the SDK hands it over: an array, or `{ Message: string | string[] }`. */
function listedMessages(err: unknown): string[] {
  const m = (err as { Messages?: unknown }).Messages;
  if (Array.isArray(m)) return m.map(String);
  if (m !== null && typeof m === 'object') {
    const inner = (m as { Message?: unknown }).Message;
    if (Array.isArray(inner)) return inner.map(String);
    if (typeof inner === 'string') return [inner];
  }
  return [];
}

function errorMessages(err: unknown): string[] {
  const listed = listedMessages(err);
  return listed.length > 0 ? listed : [(err as Error).message];
}
