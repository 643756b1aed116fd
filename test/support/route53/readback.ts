/**
 * Route53 as a resolver would see it, read back through the AWS SDK only:
 * every record of the zone (ListResourceRecordSets, paged), the health
 * checks (ListHealthChecks), the CIDR collections (ListCidrCollections /
 * ListCidrBlocks) and the alarms behind CLOUDWATCH_METRIC checks
 * (DescribeAlarms). Turned into the `EvalWorld` of ./evaluate.ts, which
 * answers per client. Shares no code with the reconciler
 * (packages/route53): a bug there cannot hide here.
 */
import {
  ListCidrBlocksCommand,
  ListCidrCollectionsCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EvalWorld, HealthCheckView } from './evaluate.js';
import { keyOf, normName, type StoredRecord } from './records.js';

/** What was read, with a health function honouring InsufficientDataHealthStatus: LastKnownStatus. */
export interface Route53Readback {
  world: EvalWorld;
  /** Alarm name → state, as DescribeAlarms returned it. */
  alarms: Map<string, string>;
  /** Health of a check: ALARM unhealthy, OK healthy, else the last known (kept in `memory`). */
  healthy(hc: HealthCheckView): boolean;
  /** SDK calls made. */
  calls: number;
}

/** Reads zone `zoneId` (named `zoneName`), health checks, CIDR collections and alarms. */
export async function readRoute53(r53: Route53Client, cw: CloudWatchClient, zoneId: string, zoneName: string, memory: Map<string, boolean>): Promise<Route53Readback> {
  let calls = 0;
  const records = new Map<string, StoredRecord>();
  const input: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId, MaxItems: 300 };
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ ...input }));
    calls++;
    for (const r of page.ResourceRecordSets ?? []) {
      const s: StoredRecord = { Name: normName(r.Name ?? ''), Type: String(r.Type) };
      if (r.SetIdentifier !== undefined) s.SetIdentifier = r.SetIdentifier;
      if (r.Region !== undefined) s.Region = String(r.Region);
      if (r.Failover !== undefined) s.Failover = String(r.Failover);
      if (r.Weight !== undefined) s.Weight = r.Weight;
      if (r.TTL !== undefined) s.TTL = r.TTL;
      if (r.ResourceRecords) s.ResourceRecords = r.ResourceRecords.map((v) => v.Value ?? '');
      if (r.AliasTarget) s.AliasTarget = { HostedZoneId: (r.AliasTarget.HostedZoneId ?? '').replace(/^\/hostedzone\//, ''), DNSName: normName(r.AliasTarget.DNSName ?? ''), EvaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth === true };
      if (r.HealthCheckId !== undefined) s.HealthCheckId = r.HealthCheckId;
      if (r.CidrRoutingConfig) s.CidrRoutingConfig = { CollectionId: r.CidrRoutingConfig.CollectionId ?? '', LocationName: r.CidrRoutingConfig.LocationName ?? '' };
      records.set(keyOf(s), s);
    }
    if (!page.IsTruncated) break;
    input.StartRecordName = page.NextRecordName;
    input.StartRecordType = page.NextRecordType as RRType | undefined;
    if (page.NextRecordIdentifier !== undefined) input.StartRecordIdentifier = page.NextRecordIdentifier;
    else delete input.StartRecordIdentifier;
  }

  const checks = new Map<string, HealthCheckView>();
  let marker: string | undefined;
  for (;;) {
    const page = await r53.send(new ListHealthChecksCommand({ MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }));
    calls++;
    for (const h of page.HealthChecks ?? []) checks.set(h.Id ?? '', { id: h.Id ?? '', tags: {}, config: { ...(h.HealthCheckConfig ?? {}) } as Record<string, unknown> });
    if (!page.IsTruncated || !page.NextMarker) break;
    marker = page.NextMarker;
  }

  const cidr = new Map<string, Map<string, Set<string>>>();
  const cols = await r53.send(new ListCidrCollectionsCommand({}));
  calls++;
  for (const c of cols.CidrCollections ?? []) {
    const locs = new Map<string, Set<string>>();
    const blocks = await r53.send(new ListCidrBlocksCommand({ CollectionId: c.Id! }));
    calls++;
    for (const b of blocks.CidrBlocks ?? []) {
      let set = locs.get(b.LocationName ?? '');
      if (!set) locs.set(b.LocationName ?? '', (set = new Set()));
      set.add(b.CidrBlock ?? '');
    }
    cidr.set(c.Id!, locs);
  }

  const alarms = new Map<string, string>();
  let token: string | undefined;
  for (;;) {
    const page = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) }));
    calls++;
    for (const a of page.MetricAlarms ?? []) alarms.set(a.AlarmName ?? '', String(a.StateValue));
    if (!page.NextToken) break;
    token = page.NextToken;
  }

  const healthy = (hc: HealthCheckView): boolean => {
    const name = (hc.config['AlarmIdentifier'] as { Name?: string } | undefined)?.Name;
    if (name === undefined) return true;
    const state = alarms.get(name);
    if (state === 'ALARM' || state === 'OK') memory.set(name, state === 'OK');
    return memory.get(name) ?? true;
  };
  return {
    world: { zones: new Map([[zoneId, { name: normName(zoneName), records }]]), healthCheck: (id) => checks.get(id), cidrCollection: (id) => cidr.get(id) },
    alarms,
    healthy,
    calls,
  };
}
