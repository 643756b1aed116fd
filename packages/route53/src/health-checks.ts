/**
 * The Route53 health check each edge gets: CLOUDWATCH_METRIC on the edge's
 * alarm (the default: our probes decide), or a native Route53 checker.
 */
import { isIP } from 'node:net';
import type { Edge } from '@edgesteer/policy';
import { Route53Error } from './errors.js';
import { IMMUTABLE_HEALTH_CHECK_FIELDS, type HealthCheckSpec } from './model.js';

/** Longest SearchString Route53 accepts. */
const MAX_SEARCH_STRING = 255;

/** Desired health check of an edge. */
export function healthCheckSpec(edge: Edge, alarm: { region: string; name: string }): HealthCheckSpec {
  const check = edge.check;
  if (check.route53 === 'cloudwatch') {
    return {
      type: 'CLOUDWATCH_METRIC',
      alarmRegion: alarm.region,
      alarmName: alarm.name,
      // No fresh data: keep the last verdict (fail-static), like core does.
      insufficientDataHealthStatus: 'LastKnownStatus',
    };
  }
  const strMatch = check.bodyContains !== undefined && check.type !== 'tcp';
  const type = check.type === 'tcp' ? 'TCP' : check.type === 'https' ? (strMatch ? 'HTTPS_STR_MATCH' : 'HTTPS') : strMatch ? 'HTTP_STR_MATCH' : 'HTTP';
  let ipAddress: string | undefined;
  let fqdn: string | undefined;
  if (check.address !== undefined) {
    if (isIP(check.address)) ipAddress = check.address;
    else fqdn = check.address;
  } else {
    ipAddress = edge.ipv4[0] ?? edge.ipv6[0];
    if (ipAddress === undefined && edge.alias) fqdn = edge.alias.dnsName.replace(/\.$/, '');
  }
  if (ipAddress === undefined && fqdn === undefined) {
    throw new Route53Error('E_R53_NO_CHECK_TARGET', `edge ${edge.id}: a native Route53 health check needs check.address or an edge address`);
  }
  // With an IP address, Route53 sends the FQDN as Host header (and SNI).
  if (check.host !== undefined && fqdn === undefined) fqdn = check.host;
  const port = check.port ?? (check.type === 'https' ? 443 : check.type === 'http' ? 80 : undefined);
  if (port === undefined) {
    throw new Route53Error('E_R53_NO_CHECK_TARGET', `edge ${edge.id}: a TCP health check needs check.port`);
  }
  if (strMatch && (check.bodyContains ?? '').length > MAX_SEARCH_STRING) {
    throw new Route53Error('E_R53_CHECK_UNSUPPORTED', `edge ${edge.id}: check.bodyContains is longer than the ${MAX_SEARCH_STRING} characters a native Route53 check accepts; shorten it or use check.route53: cloudwatch`);
  }
  const spec: HealthCheckSpec = {
    type,
    port,
    // Route53 offers 10 s (fast) or 30 s intervals.
    requestInterval: check.intervalMs <= 10_000 ? 10 : 30,
    failureThreshold: Math.min(10, Math.max(1, check.fall)),
  };
  if (ipAddress !== undefined) spec.ipAddress = ipAddress;
  if (fqdn !== undefined) spec.fullyQualifiedDomainName = fqdn;
  if (check.type !== 'tcp') spec.resourcePath = check.path;
  if (strMatch) spec.searchString = check.bodyContains;
  if (check.type === 'https') spec.enableSNI = true;
  return spec;
}

const SPEC_FIELDS: Array<keyof HealthCheckSpec> = [
  'type', 'alarmRegion', 'alarmName', 'insufficientDataHealthStatus', 'ipAddress', 'port', 'resourcePath',
  'fullyQualifiedDomainName', 'searchString', 'requestInterval', 'failureThreshold', 'enableSNI',
];

/** Fields whose values differ between two specs. */
export function diffHealthCheck(current: HealthCheckSpec, desired: HealthCheckSpec): Array<keyof HealthCheckSpec> {
  return SPEC_FIELDS.filter((f) => current[f] !== desired[f]);
}

/**
 * True when going from `current` to `desired` needs a new health check:
 * Type and RequestInterval cannot change, nor can "specify endpoint by"
 * (IP address or domain name).
 */
export function needsReplacement(current: HealthCheckSpec, desired: HealthCheckSpec): boolean {
  const changed = diffHealthCheck(current, desired);
  if (changed.some((f) => (IMMUTABLE_HEALTH_CHECK_FIELDS as readonly string[]).includes(f))) return true;
  return desired.type !== 'CLOUDWATCH_METRIC' && (current.ipAddress === undefined) !== (desired.ipAddress === undefined);
}

/** One line describing a spec, for plans and logs. */
export function describeHealthCheck(spec: HealthCheckSpec): string {
  if (spec.type === 'CLOUDWATCH_METRIC') return `CLOUDWATCH_METRIC alarm ${spec.alarmRegion}/${spec.alarmName}`;
  const target = spec.ipAddress ?? spec.fullyQualifiedDomainName ?? '?';
  const path = spec.resourcePath !== undefined ? spec.resourcePath : '';
  return `${spec.type} ${target}:${spec.port}${path} every ${spec.requestInterval}s, ${spec.failureThreshold} failures`;
}
