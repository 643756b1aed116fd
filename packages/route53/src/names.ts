/**
 * Every name edgesteer writes into Route53 and CloudWatch, in one place:
 * record names, set identifiers, marker names, alarm names, tags.
 */
import { createHash } from 'node:crypto';
import { Route53Error } from './errors.js';

/** Lowercase, octal escapes (`\052`) decoded, trailing dot: how names compare. */
export function normalizeName(name: string): string {
  let n = name.replace(/\\(\d{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))).toLowerCase();
  if (!n.endsWith('.')) n += '.';
  return n;
}

/** Route53 ids come back as `/hostedzone/Z…` or `/healthcheck/…`; keep the bare id. */
export function bareId(id: string): string {
  const i = id.lastIndexOf('/');
  return i >= 0 ? id.slice(i + 1) : id;
}

/** True when `name` is `zone` or lies below it (both normalised). */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith('.' + zone);
}

/** Label under each zone that holds edgesteer's failover sets. */
export const FAILOVER_LABEL = '_edgesteer';

/**
 * Name of the per-region failover set of a service:
 * `<region>.<service>._edgesteer.<zone>`. One label per id keeps every label
 * within 63 characters whatever the ids, and the `_edgesteer` label keeps the
 * sets out of the operator's namespace.
 */
export function failoverSetName(serviceId: string, regionId: string, zone: string): string {
  return checkLength(`${regionId}.${serviceId}.${FAILOVER_LABEL}.${zone}`);
}

/** SetIdentifier of the latency record of (service, region). */
export function latencySetId(serviceId: string, regionId: string): string {
  return `${serviceId}-${regionId}`;
}

/** SetIdentifier of a failover record. */
export function failoverSetId(serviceId: string, regionId: string, role: 'PRIMARY' | 'SECONDARY'): string {
  return `${serviceId}-${regionId}-${role.toLowerCase()}`;
}

/**
 * Name of the ownership marker of a record: `_es-<type>.<name>`, e.g.
 * `_es-a.cdn.example.com.`. A separate name (rather than a TXT at the record's
 * own name) never collides with the operator's own TXT records or a CNAME.
 */
export function markerName(recordName: string, type: string): string {
  return checkLength(`_es-${type.toLowerCase()}.${recordName}`);
}

/** Alarm that feeds an edge's CLOUDWATCH_METRIC health check. */
export function alarmName(owner: string, edge: string): string {
  return `edgesteer-${owner}-${edge}`;
}

/** Tag keys on health checks. */
export const TAG_OWNER = 'edgesteer:owner';
export const TAG_EDGE = 'edgesteer:edge';
export const TAG_NAME = 'Name';

/** Every edgesteer health check's CallerReference starts with this. */
export const CALLER_REF_PREFIX = 'es-';

/**
 * CallerReference stem of an edge's health check: stable per (owner, edge), so
 * a check created by an apply that died before tagging it is found again.
 * A suffix made unique per creation follows, because Route53 refuses to reuse
 * the CallerReference of a deleted check.
 */
export function callerRefStem(owner: string, edge: string): string {
  return CALLER_REF_PREFIX + createHash('sha256').update(`${owner}\u0000${edge}`).digest('hex').slice(0, 20) + '-';
}

function checkLength(name: string): string {
  if (name.replace(/\.$/, '').length > 253) {
    throw new Route53Error('E_R53_NAME_TOO_LONG', `record name ${name} is longer than 253 characters; use shorter service or region ids`);
  }
  return name;
}
