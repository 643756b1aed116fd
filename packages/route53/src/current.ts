/**
 * Reads what exists: every record of each managed zone (paged), the
 * health checks that look like ours with their tags, and our alarms.
 */
import {
  GetHostedZoneCommand,
  ListCidrBlocksCommand,
  ListCidrCollectionsCommand,
  ListCidrLocationsCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  type ListResourceRecordSetsCommandInput,
  type RRType,
} from '@aws-sdk/client-route-53';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { ApiCaller } from './caller.js';
import { Route53Error } from './errors.js';
import type { AlarmSpec, CurrentCidrCollection, CurrentHealthCheck, CurrentState, RecordSet, ZoneRef } from './model.js';
import { alarmName, CALLER_REF_PREFIX, normalizeName } from './names.js';
import { alarmFromSdk, healthCheckSpecFromSdk, recordFromSdk } from './sdk-shapes.js';
import { errorCode } from './retry.js';

/** What to read. */
export interface ReadOptions {
  /** Records per ListResourceRecordSets page (Route53 max 300). */
  pageSize?: number;
  /** Read alarms too (needs a CloudWatch client). */
  alarms: boolean;
  /** Read this CIDR collection (by name) when set. */
  cidrCollection?: string;
  /**
   * The policy does not use CIDR routing: the collection is read only to
   * clean up one left behind, and credentials without the ListCidr*
   * permissions just mean there is none to clean up.
   */
  cidrOptional?: boolean;
}

/** Reads the current state of the zones, health checks and alarms. */
export async function readCurrentState(caller: ApiCaller, zones: readonly ZoneRef[], owner: string, opts: ReadOptions): Promise<CurrentState> {
  const out: CurrentState = { zones: [], healthChecks: [], alarms: [] };
  for (const z of zones) out.zones.push({ ...z, records: await readZone(caller, z, opts.pageSize ?? 300) });
  out.healthChecks = await readHealthChecks(caller);
  if (opts.alarms) out.alarms = await readAlarms(caller, owner);
  if (opts.cidrCollection !== undefined) {
    try {
      const c = await readCidrCollection(caller, opts.cidrCollection);
      if (c) out.cidrCollection = c;
    } catch (err) {
      const code = errorCode(err);
      if (!(opts.cidrOptional && (code === 'AccessDenied' || code === 'AccessDeniedException'))) throw err;
    }
  }
  return out;
}

/** Our CIDR collection (found by name) with every location's blocks, or undefined. */
export async function readCidrCollection(caller: ApiCaller, name: string): Promise<CurrentCidrCollection | undefined> {
  let token: string | undefined;
  let found: { id: string; version: number } | undefined;
  for (;;) {
    const page = await caller.r53('ListCidrCollections', (c) => c.send(new ListCidrCollectionsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
    for (const s of page.CidrCollections ?? []) if (s.Name === name && s.Id) found = { id: s.Id, version: s.Version ?? 1 };
    if (found || !page.NextToken) break;
    token = page.NextToken;
  }
  if (!found) return undefined;
  const locations: Record<string, string[]> = {};
  token = undefined;
  for (;;) {
    const page = await caller.r53('ListCidrLocations', (c) => c.send(new ListCidrLocationsCommand({ CollectionId: found.id, MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
    for (const l of page.CidrLocations ?? []) if (l.LocationName) locations[l.LocationName] = [];
    if (!page.NextToken) break;
    token = page.NextToken;
  }
  for (const location of Object.keys(locations)) {
    token = undefined;
    for (;;) {
      const page = await caller.r53('ListCidrBlocks', (c) => c.send(new ListCidrBlocksCommand({ CollectionId: found.id, LocationName: location, MaxResults: 1000, ...(token ? { NextToken: token } : {}) })));
      for (const b of page.CidrBlocks ?? []) if (b.CidrBlock) locations[location]!.push(b.CidrBlock);
      if (!page.NextToken) break;
      token = page.NextToken;
    }
    locations[location]!.sort();
  }
  return { id: found.id, name, version: found.version, locations };
}

/** All records of one zone, after checking the zone is the one the policy names. */
export async function readZone(caller: ApiCaller, zone: ZoneRef, pageSize: number): Promise<RecordSet[]> {
  let hz;
  try {
    hz = await caller.r53('GetHostedZone', (c) => c.send(new GetHostedZoneCommand({ Id: zone.hostedZoneId })));
  } catch (err) {
    if (errorCode(err) === 'NoSuchHostedZone') {
      throw new Route53Error('E_R53_ZONE_NOT_FOUND', `hosted zone ${zone.hostedZoneId} (${zone.name}) does not exist or is not visible to these credentials; check zones[].route53.hostedZoneId`);
    }
    throw err;
  }
  const actual = normalizeName(hz.HostedZone?.Name ?? '');
  if (actual !== zone.name) {
    throw new Route53Error('E_R53_ZONE_MISMATCH', `hosted zone ${zone.hostedZoneId} is ${actual}, but the policy says ${zone.name}; fix zones[].route53.hostedZoneId`);
  }
  const records: RecordSet[] = [];
  const input: ListResourceRecordSetsCommandInput = { HostedZoneId: zone.hostedZoneId, MaxItems: pageSize };
  for (;;) {
    const page = await caller.r53('ListResourceRecordSets', (c) => c.send(new ListResourceRecordSetsCommand({ ...input })));
    for (const r of page.ResourceRecordSets ?? []) records.push(recordFromSdk(r));
    if (!page.IsTruncated) break;
    input.StartRecordName = page.NextRecordName;
    input.StartRecordType = page.NextRecordType as RRType | undefined;
    if (page.NextRecordIdentifier !== undefined) input.StartRecordIdentifier = page.NextRecordIdentifier;
    else delete input.StartRecordIdentifier;
  }
  return records;
}

/** Health checks whose CallerReference marks them as edgesteer's, with their tags. */
export async function readHealthChecks(caller: ApiCaller): Promise<CurrentHealthCheck[]> {
  const found: CurrentHealthCheck[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await caller.r53('ListHealthChecks', (c) => c.send(new ListHealthChecksCommand({ MaxItems: 1000, ...(marker ? { Marker: marker } : {}) })));
    for (const h of page.HealthChecks ?? []) {
      if (!h.Id || !h.CallerReference?.startsWith(CALLER_REF_PREFIX) || !h.HealthCheckConfig) continue;
      found.push({ id: h.Id, callerReference: h.CallerReference, version: h.HealthCheckVersion ?? 1, spec: healthCheckSpecFromSdk(h.HealthCheckConfig), tags: {} });
    }
    if (!page.IsTruncated || !page.NextMarker) break;
    marker = page.NextMarker;
  }
  // ListTagsForResources takes at most 10 ids per request.
  for (let i = 0; i < found.length; i += 10) {
    const chunk = found.slice(i, i + 10);
    const res = await caller.r53('ListTagsForResources', (c) => c.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: chunk.map((h) => h.id) })));
    for (const set of res.ResourceTagSets ?? []) {
      const h = chunk.find((x) => x.id === set.ResourceId);
      if (!h) continue;
      for (const t of set.Tags ?? []) if (t.Key !== undefined) h.tags[t.Key] = t.Value ?? '';
    }
  }
  return found;
}

/** Metric alarms named `edgesteer-<owner>-…`. */
export async function readAlarms(caller: ApiCaller, owner: string): Promise<AlarmSpec[]> {
  const out: AlarmSpec[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await caller.cw('DescribeAlarms', (c) =>
      c.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmName(owner, ''), AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(token ? { NextToken: token } : {}) })),
    );
    for (const a of page.MetricAlarms ?? []) out.push(alarmFromSdk(a));
    if (!page.NextToken) break;
    token = page.NextToken;
  }
  return out;
}
