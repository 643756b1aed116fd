/**
 * Conversions between the reconciler's model and the AWS SDK's shapes.
 */
import type { HealthCheckConfig, ResourceRecordSet, UpdateHealthCheckRequest } from '@aws-sdk/client-route-53';
import type { MetricAlarm, PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';
import type { AlarmSpec, HealthCheckSpec, RecordSet } from './model.js';
import { bareId, normalizeName } from './names.js';

const MODELLED_RECORD_FIELDS = new Set([
  'Name', 'Type', 'SetIdentifier', 'Region', 'Failover', 'Weight', 'TTL', 'ResourceRecords', 'AliasTarget', 'HealthCheckId', 'CidrRoutingConfig',
]);

/** SDK record → model (names normalised; unknown fields kept in `extra`). */
export function recordFromSdk(r: ResourceRecordSet): RecordSet {
  const out: RecordSet = { name: normalizeName(r.Name ?? ''), type: String(r.Type) };
  if (r.SetIdentifier !== undefined) out.setIdentifier = r.SetIdentifier;
  if (r.Region !== undefined) out.region = String(r.Region);
  if (r.Failover !== undefined) out.failover = r.Failover as 'PRIMARY' | 'SECONDARY';
  if (r.Weight !== undefined) out.weight = r.Weight;
  if (r.TTL !== undefined) out.ttl = r.TTL;
  if (r.ResourceRecords !== undefined) out.values = r.ResourceRecords.map((v) => v.Value ?? '');
  if (r.AliasTarget !== undefined) {
    out.alias = {
      hostedZoneId: bareId(r.AliasTarget.HostedZoneId ?? ''),
      dnsName: normalizeName(r.AliasTarget.DNSName ?? ''),
      evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth === true,
    };
  }
  if (r.HealthCheckId !== undefined) out.healthCheckId = r.HealthCheckId;
  if (r.CidrRoutingConfig !== undefined) out.cidr = { collectionId: r.CidrRoutingConfig.CollectionId ?? '', locationName: r.CidrRoutingConfig.LocationName ?? '' };
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!MODELLED_RECORD_FIELDS.has(k) && v !== undefined) extra[k] = v;
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}

/** Model → SDK record. `healthCheckId` must already be a real id. */
export function recordToSdk(r: RecordSet): ResourceRecordSet {
  const out: ResourceRecordSet = { ...(r.extra as Partial<ResourceRecordSet>), Name: r.name, Type: r.type as ResourceRecordSet['Type'] };
  if (r.setIdentifier !== undefined) out.SetIdentifier = r.setIdentifier;
  if (r.region !== undefined) out.Region = r.region as ResourceRecordSet['Region'];
  if (r.failover !== undefined) out.Failover = r.failover;
  if (r.weight !== undefined) out.Weight = r.weight;
  if (r.ttl !== undefined) out.TTL = r.ttl;
  if (r.values !== undefined) out.ResourceRecords = r.values.map((Value) => ({ Value }));
  if (r.alias !== undefined) {
    out.AliasTarget = { HostedZoneId: r.alias.hostedZoneId, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluateTargetHealth };
  }
  if (r.healthCheckId !== undefined) out.HealthCheckId = r.healthCheckId;
  if (r.cidr !== undefined) out.CidrRoutingConfig = { CollectionId: r.cidr.collectionId, LocationName: r.cidr.locationName };
  return out;
}

/** SDK health check config → spec (only the fields edgesteer manages). */
export function healthCheckSpecFromSdk(c: HealthCheckConfig): HealthCheckSpec {
  const s: HealthCheckSpec = { type: c.Type as HealthCheckSpec['type'] };
  if (c.Type === 'CLOUDWATCH_METRIC') {
    if (c.AlarmIdentifier) {
      s.alarmRegion = String(c.AlarmIdentifier.Region);
      s.alarmName = c.AlarmIdentifier.Name ?? '';
    }
    if (c.InsufficientDataHealthStatus !== undefined) s.insufficientDataHealthStatus = c.InsufficientDataHealthStatus;
    return s;
  }
  if (c.IPAddress !== undefined) s.ipAddress = c.IPAddress;
  if (c.Port !== undefined) s.port = c.Port;
  if (c.ResourcePath !== undefined) s.resourcePath = c.ResourcePath;
  if (c.FullyQualifiedDomainName !== undefined) s.fullyQualifiedDomainName = c.FullyQualifiedDomainName;
  if (c.SearchString !== undefined) s.searchString = c.SearchString;
  if (c.RequestInterval !== undefined) s.requestInterval = c.RequestInterval;
  if (c.FailureThreshold !== undefined) s.failureThreshold = c.FailureThreshold;
  // Route53 reports EnableSNI on every HTTPS check; other types have none.
  if (c.EnableSNI !== undefined && (c.Type === 'HTTPS' || c.Type === 'HTTPS_STR_MATCH')) s.enableSNI = c.EnableSNI;
  return s;
}

/** Spec → CreateHealthCheck config. */
export function healthCheckSpecToSdk(s: HealthCheckSpec): HealthCheckConfig {
  const c: HealthCheckConfig = { Type: s.type };
  if (s.alarmName !== undefined) c.AlarmIdentifier = { Region: s.alarmRegion as never, Name: s.alarmName };
  if (s.insufficientDataHealthStatus !== undefined) c.InsufficientDataHealthStatus = s.insufficientDataHealthStatus;
  if (s.ipAddress !== undefined) c.IPAddress = s.ipAddress;
  if (s.port !== undefined) c.Port = s.port;
  if (s.resourcePath !== undefined) c.ResourcePath = s.resourcePath;
  if (s.fullyQualifiedDomainName !== undefined) c.FullyQualifiedDomainName = s.fullyQualifiedDomainName;
  if (s.searchString !== undefined) c.SearchString = s.searchString;
  if (s.requestInterval !== undefined) c.RequestInterval = s.requestInterval;
  if (s.failureThreshold !== undefined) c.FailureThreshold = s.failureThreshold;
  if (s.enableSNI !== undefined) c.EnableSNI = s.enableSNI;
  return c;
}

/** UpdateHealthCheck request that moves `before` to `after` (mutable fields only). */
export function healthCheckUpdateToSdk(id: string, version: number | undefined, before: HealthCheckSpec | undefined, after: HealthCheckSpec): UpdateHealthCheckRequest {
  const u: UpdateHealthCheckRequest = { HealthCheckId: id };
  if (version !== undefined) u.HealthCheckVersion = version;
  if (after.alarmName !== undefined) u.AlarmIdentifier = { Region: after.alarmRegion as never, Name: after.alarmName };
  if (after.insufficientDataHealthStatus !== undefined) u.InsufficientDataHealthStatus = after.insufficientDataHealthStatus;
  if (after.ipAddress !== undefined) u.IPAddress = after.ipAddress;
  if (after.port !== undefined) u.Port = after.port;
  if (after.resourcePath !== undefined) u.ResourcePath = after.resourcePath;
  if (after.fullyQualifiedDomainName !== undefined) u.FullyQualifiedDomainName = after.fullyQualifiedDomainName;
  if (after.searchString !== undefined) u.SearchString = after.searchString;
  if (after.failureThreshold !== undefined) u.FailureThreshold = after.failureThreshold;
  if (after.enableSNI !== undefined) u.EnableSNI = after.enableSNI;
  // Fields set before and not wanted now go back to Route53's defaults.
  const reset: Array<'FullyQualifiedDomainName' | 'ResourcePath'> = [];
  if (before?.fullyQualifiedDomainName !== undefined && after.fullyQualifiedDomainName === undefined) reset.push('FullyQualifiedDomainName');
  if (before?.resourcePath !== undefined && after.resourcePath === undefined) reset.push('ResourcePath');
  if (reset.length > 0) u.ResetElements = reset;
  return u;
}

/** Alarm spec → PutMetricAlarm input. */
export function alarmToSdk(a: AlarmSpec): PutMetricAlarmInput {
  return {
    AlarmName: a.name,
    AlarmDescription: a.description,
    ActionsEnabled: a.actionsEnabled,
    Namespace: a.namespace,
    MetricName: a.metricName,
    Dimensions: a.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
    Statistic: a.statistic,
    Period: a.period,
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator,
    TreatMissingData: a.treatMissingData,
  };
}

/** DescribeAlarms entry → alarm spec (for diffing). */
export function alarmFromSdk(a: MetricAlarm): AlarmSpec {
  return {
    name: a.AlarmName ?? '',
    description: a.AlarmDescription ?? '',
    actionsEnabled: a.ActionsEnabled ?? true,
    namespace: a.Namespace ?? '',
    metricName: a.MetricName ?? '',
    dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' })),
    statistic: (a.Statistic ?? '') as AlarmSpec['statistic'],
    period: a.Period ?? 0,
    evaluationPeriods: a.EvaluationPeriods ?? 0,
    datapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 0,
    threshold: a.Threshold ?? 0,
    comparisonOperator: a.ComparisonOperator as AlarmSpec['comparisonOperator'],
    treatMissingData: (a.TreatMissingData ?? 'missing') as AlarmSpec['treatMissingData'],
  };
}
