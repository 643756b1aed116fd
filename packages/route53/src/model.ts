/**
 * The reconciler's own model of Route53 objects: plain JSON, names
 * normalised, so desired and current state compare field by field and a
 * plan serialises (and hashes) deterministically.
 */

/** Health check id placeholder for a check that apply will create: `pending:<edge>`. */
export const PENDING_PREFIX = 'pending:';

/** A Route53 alias target. */
export interface AliasModel {
  hostedZoneId: string;
  /** Lowercase, with trailing dot. */
  dnsName: string;
  evaluateTargetHealth: boolean;
}

/** One resource record set. */
export interface RecordSet {
  /** Lowercase, with trailing dot. */
  name: string;
  type: string;
  setIdentifier?: string;
  /** Latency routing: the AWS region. */
  region?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  weight?: number;
  ttl?: number;
  values?: string[];
  alias?: AliasModel;
  /** A real id, or `pending:<edge>` for a check created during apply. */
  healthCheckId?: string;
  /**
   * IP-based routing: the CIDR collection (a real id, or `pending:cidr` for
   * the collection apply creates) and the location (`*` = default).
   */
  cidr?: { collectionId: string; locationName: string };
  /**
   * Fields this model does not interpret (GeoLocation, MultiValueAnswer, …),
   * kept verbatim so a DELETE can repeat the record exactly.
   */
  extra?: Record<string, unknown>;
}

/** Record identity in a zone: name, type and set identifier. */
export function recordKey(r: Pick<RecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${r.name}|${r.type}|${r.setIdentifier ?? ''}`;
}

/** Health check settings edgesteer manages (a subset of HealthCheckConfig). */
export interface HealthCheckSpec {
  type: 'CLOUDWATCH_METRIC' | 'HTTP' | 'HTTPS' | 'HTTP_STR_MATCH' | 'HTTPS_STR_MATCH' | 'TCP';
  alarmRegion?: string;
  alarmName?: string;
  insufficientDataHealthStatus?: 'Healthy' | 'Unhealthy' | 'LastKnownStatus';
  ipAddress?: string;
  port?: number;
  resourcePath?: string;
  fullyQualifiedDomainName?: string;
  searchString?: string;
  requestInterval?: number;
  failureThreshold?: number;
  enableSNI?: boolean;
}

/** Fields Route53 cannot change in place: a change means a new health check. */
export const IMMUTABLE_HEALTH_CHECK_FIELDS = ['type', 'requestInterval'] as const;

/** A health check as read back from Route53. */
export interface CurrentHealthCheck {
  id: string;
  callerReference: string;
  version: number;
  spec: HealthCheckSpec;
  tags: Record<string, string>;
}

/**
 * CloudWatch alarm settings edgesteer manages: a single-metric alarm, the
 * only kind a Route53 CLOUDWATCH_METRIC health check can follow.
 */
export interface AlarmSpec {
  name: string;
  description: string;
  actionsEnabled: boolean;
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
  statistic: 'Sum' | 'Average';
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  treatMissingData: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
}

/** A hosted zone edgesteer writes to. */
export interface ZoneRef {
  hostedZoneId: string;
  /** Lowercase, with trailing dot. */
  name: string;
}

/** Placeholder collection id of a CIDR collection that apply creates. */
export const PENDING_CIDR = 'pending:cidr';

/** The CIDR collection edgesteer wants: location name → CIDR blocks (normalised, sorted). */
export interface CidrCollectionSpec {
  name: string;
  locations: Record<string, string[]>;
}

/** The CIDR collection as read back. */
export interface CurrentCidrCollection extends CidrCollectionSpec {
  id: string;
  version: number;
}

/** Everything the reconciler wants to exist. */
export interface DesiredState {
  /** IP-based routing for the policy's `clientCidrs` (absent when no region lists any). */
  cidrCollection?: CidrCollectionSpec;
  owner: string;
  zones: Array<ZoneRef & { units: DesiredUnit[] }>;
  /** Key: edge id. */
  healthChecks: Record<string, HealthCheckSpec>;
  /** Key: edge id. */
  alarms: Record<string, AlarmSpec>;
}

/**
 * Records that must change together: one (service, region, type) — the
 * latency record and its failover set. Applied in one atomic batch.
 */
export interface DesiredUnit {
  id: string;
  service: string;
  /** Failover records first, then the latency record that aliases them. */
  records: Array<RecordSet & { healthCheckEdge?: string }>;
}

/** Everything that exists now, as far as the reconciler is concerned. */
export interface CurrentState {
  zones: Array<ZoneRef & { records: RecordSet[] }>;
  /** Health checks that look like edgesteer's (CallerReference `es-…`), tagged or not. */
  healthChecks: CurrentHealthCheck[];
  /** Alarms whose name starts with `edgesteer-<owner>-`. */
  alarms: AlarmSpec[];
  /** Our CIDR collection (by name), when it exists. */
  cidrCollection?: CurrentCidrCollection;
}
