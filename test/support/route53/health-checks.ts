/**
 * Health checks inside the Route53 test endpoint: HealthCheckConfig XML in
 * and out, Route53's defaults, and the validation CreateHealthCheck /
 * UpdateHealthCheck do.
 */
import { isIP } from 'node:net';
import { child, childrenNamed, el, textOf, type XmlNode, type XmlRaw } from './xml.js';

/** A stored HealthCheckConfig (API field names). */
export interface StoredHealthCheckConfig {
  Type: string;
  IPAddress?: string;
  Port?: number;
  ResourcePath?: string;
  FullyQualifiedDomainName?: string;
  SearchString?: string;
  RequestInterval?: number;
  FailureThreshold?: number;
  MeasureLatency?: boolean;
  Inverted?: boolean;
  Disabled?: boolean;
  HealthThreshold?: number;
  ChildHealthChecks?: string[];
  EnableSNI?: boolean;
  Regions?: string[];
  AlarmIdentifier?: { Region: string; Name: string };
  InsufficientDataHealthStatus?: string;
}

/** A stored health check. */
export interface StoredHealthCheck {
  Id: string;
  CallerReference: string;
  HealthCheckVersion: number;
  HealthCheckConfig: StoredHealthCheckConfig;
  tags: Map<string, string>;
}

const NATIVE = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);
const NUMBER_FIELDS = ['Port', 'RequestInterval', 'FailureThreshold', 'HealthThreshold'] as const;
const BOOL_FIELDS = ['MeasureLatency', 'Inverted', 'Disabled', 'EnableSNI'] as const;
const STRING_FIELDS = ['IPAddress', 'ResourcePath', 'FullyQualifiedDomainName', 'SearchString', 'InsufficientDataHealthStatus'] as const;

/** Reads the mutable fields present in a config or UpdateHealthCheckRequest element. */
export function configFieldsFromXml(n: XmlNode): Partial<StoredHealthCheckConfig> {
  const c: Partial<StoredHealthCheckConfig> = {};
  const type = textOf(n, 'Type');
  if (type !== undefined) c.Type = type;
  for (const f of STRING_FIELDS) {
    const v = textOf(n, f);
    if (v !== undefined) c[f] = v;
  }
  for (const f of NUMBER_FIELDS) {
    const v = textOf(n, f);
    if (v !== undefined) c[f] = Number(v);
  }
  for (const f of BOOL_FIELDS) {
    const v = textOf(n, f);
    if (v !== undefined) c[f] = v === 'true';
  }
  const kids = child(n, 'ChildHealthChecks');
  if (kids) c.ChildHealthChecks = childrenNamed(kids, 'ChildHealthCheck').map((x) => x.text.trim());
  const regions = child(n, 'Regions');
  if (regions) c.Regions = childrenNamed(regions, 'Region').map((x) => x.text.trim());
  const alarm = child(n, 'AlarmIdentifier');
  if (alarm) c.AlarmIdentifier = { Region: textOf(alarm, 'Region') ?? '', Name: textOf(alarm, 'Name') ?? '' };
  return c;
}

/** Route53's defaults for a new check. */
export function withDefaults(c: StoredHealthCheckConfig): StoredHealthCheckConfig {
  const out: StoredHealthCheckConfig = { Inverted: false, Disabled: false, ...c };
  if (NATIVE.has(c.Type)) {
    const https = c.Type.startsWith('HTTPS');
    out.Port ??= c.Type === 'TCP' ? undefined : https ? 443 : 80;
    out.RequestInterval ??= 30;
    out.FailureThreshold ??= 3;
    out.MeasureLatency ??= false;
    out.EnableSNI ??= https;
  }
  return out;
}

/**
 * Addresses Route53's checkers (on the internet) cannot reach, which
 * CreateHealthCheck refuses (API reference, HealthCheckConfig.IPAddress:
 * local, private, non-routable, multicast; RFC 5735 / 6598 / 5156): this,
 * private, shared (CGN), loopback, link-local, multicast and reserved IPv4;
 * unspecified, loopback, unique-local, link-local and multicast IPv6. The
 * documentation ranges stay allowed so tests can use them as data.
 */
export function unreachableForCheckers(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224;
  }
  const l = ip.toLowerCase();
  return l === '::' || l === '::1' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l) || l.startsWith('ff') || l.startsWith('::ffff:');
}

/** Problems with a config (empty when valid). */
export function configProblems(c: StoredHealthCheckConfig, alarmExists?: (region: string, name: string) => boolean): string[] {
  const out: string[] = [];
  if (c.Type === 'CLOUDWATCH_METRIC') {
    if (!c.AlarmIdentifier?.Name || !c.AlarmIdentifier.Region) out.push('AlarmIdentifier is required for CLOUDWATCH_METRIC health checks');
    else if (alarmExists && !alarmExists(c.AlarmIdentifier.Region, c.AlarmIdentifier.Name)) out.push(`CloudWatch alarm ${c.AlarmIdentifier.Name} does not exist in ${c.AlarmIdentifier.Region}`);
    if (c.InsufficientDataHealthStatus !== undefined && !['Healthy', 'Unhealthy', 'LastKnownStatus'].includes(c.InsufficientDataHealthStatus)) out.push('InsufficientDataHealthStatus must be Healthy, Unhealthy or LastKnownStatus');
    return out;
  }
  if (!NATIVE.has(c.Type)) return [`unsupported health check Type ${c.Type}`];
  if (c.IPAddress === undefined && c.FullyQualifiedDomainName === undefined) out.push('IPAddress or FullyQualifiedDomainName is required');
  if (c.IPAddress !== undefined && isIP(c.IPAddress) === 0) out.push(`IPAddress ${c.IPAddress} is not an IP address`);
  else if (c.IPAddress !== undefined && unreachableForCheckers(c.IPAddress)) {
    out.push(`IP address ${c.IPAddress} is not allowed: Route 53 health checkers cannot check local, private, non-routable or multicast addresses`);
  }
  if (c.Type === 'TCP' && c.Port === undefined) out.push('Port is required for TCP health checks');
  if (c.Port !== undefined && !(c.Port >= 1 && c.Port <= 65535)) out.push('Port must be 1-65535');
  if (c.Type.endsWith('STR_MATCH') && (c.SearchString === undefined || c.SearchString.length > 255)) out.push('SearchString (at most 255 characters) is required for *_STR_MATCH health checks');
  if (c.RequestInterval !== undefined && c.RequestInterval !== 10 && c.RequestInterval !== 30) out.push('RequestInterval must be 10 or 30');
  if (c.FailureThreshold !== undefined && !(c.FailureThreshold >= 1 && c.FailureThreshold <= 10)) out.push('FailureThreshold must be 1-10');
  if (c.ResourcePath !== undefined && c.ResourcePath.length > 255) out.push('ResourcePath is longer than 255 characters');
  return out;
}

/** Writes a <HealthCheck> element. */
export function healthCheckToXml(h: StoredHealthCheck): XmlRaw {
  const c = h.HealthCheckConfig;
  return el('HealthCheck', [
    el('Id', h.Id),
    el('CallerReference', h.CallerReference),
    el('HealthCheckConfig', [
      el('IPAddress', c.IPAddress),
      el('Port', c.Port),
      el('Type', c.Type),
      el('ResourcePath', c.ResourcePath),
      el('FullyQualifiedDomainName', c.FullyQualifiedDomainName),
      el('SearchString', c.SearchString),
      el('RequestInterval', c.RequestInterval),
      el('FailureThreshold', c.FailureThreshold),
      el('MeasureLatency', c.MeasureLatency),
      el('Inverted', c.Inverted),
      el('Disabled', c.Disabled),
      el('HealthThreshold', c.HealthThreshold),
      c.ChildHealthChecks ? el('ChildHealthChecks', c.ChildHealthChecks.map((x) => el('ChildHealthCheck', x))) : undefined,
      el('EnableSNI', c.EnableSNI),
      c.Regions ? el('Regions', c.Regions.map((x) => el('Region', x))) : undefined,
      c.AlarmIdentifier ? el('AlarmIdentifier', [el('Region', c.AlarmIdentifier.Region), el('Name', c.AlarmIdentifier.Name)]) : undefined,
      el('InsufficientDataHealthStatus', c.InsufficientDataHealthStatus),
    ]),
    el('HealthCheckVersion', h.HealthCheckVersion),
  ]);
}
