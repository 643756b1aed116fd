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

/** SetIdentifier of a failover record; `level` > 0 for the deeper links of the failover chain. */
export function failoverSetId(serviceId: string, regionId: string, role: 'PRIMARY' | 'SECONDARY', level = 0): string {
  const id = level === 0 ? `${serviceId}-${regionId}-${role.toLowerCase()}` : `${serviceId}-${regionId}-${level}-${role.toLowerCase()}`;
  // Route53: SetIdentifier is 1–128 characters.
  if (id.length > 128) throw new Route53Error('E_R53_NAME_TOO_LONG', `set identifier ${id} is longer than 128 characters; use shorter service or region ids`);
  return id;
}

/**
 * Name of link `level` of a failover chain: level 0 is the set the latency
 * (or CIDR) record aliases; level k > 0 is `_k.<level-0 name>`, the target
 * of level k−1's SECONDARY alias.
 */
export function chainLevelName(setName: string, level: number): string {
  return level === 0 ? setName : checkLength(`_${level}.${setName}`);
}

/**
 * Where the latency records of a service go when CIDR routing owns the
 * service's name: `_latency.<service>._edgesteer.<zone>`, the alias target
 * of the CIDR default location `*`.
 */
export function latencySetName(serviceId: string, zone: string): string {
  return checkLength(`_latency.${serviceId}.${FAILOVER_LABEL}.${zone}`);
}

/** SetIdentifier of the CIDR record of (service, location). */
export function cidrSetId(serviceId: string, location: string): string {
  return location === '*' ? `${serviceId}-cidr-default` : `${serviceId}-cidr-${location}`;
}

/** Name of the CIDR collection of an owner (one per owner, account-wide). */
export function cidrCollectionName(owner: string): string {
  return `edgesteer-${owner}`.slice(0, 64);
}

/**
 * CIDR location name of a region: Route53 allows 1–16 characters of
 * [0-9A-Za-z_-]; longer region ids get a stable hashed name.
 */
export function cidrLocationName(regionId: string): string {
  if (/^[0-9A-Za-z_-]{1,16}$/.test(regionId)) return regionId;
  return 'r-' + createHash('sha256').update(regionId).digest('hex').slice(0, 14);
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
