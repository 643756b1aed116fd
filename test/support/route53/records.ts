/**
 * Record sets inside the Route53 test endpoint: the stored shape, XML in
 * and out, and the listing order.
 */
import { child, childrenNamed, el, textOf, type XmlNode, type XmlRaw } from './xml.js';

/** A stored record set, shaped like the API's ResourceRecordSet. */
export interface StoredRecord {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  Weight?: number;
  Region?: string;
  GeoLocation?: { ContinentCode?: string; CountryCode?: string; SubdivisionCode?: string };
  Failover?: string;
  MultiValueAnswer?: boolean;
  TTL?: number;
  ResourceRecords?: string[];
  AliasTarget?: { HostedZoneId: string; DNSName: string; EvaluateTargetHealth: boolean };
  HealthCheckId?: string;
  /** IP-based routing. */
  CidrRoutingConfig?: { CollectionId: string; LocationName: string };
}

/** Route53 compares names case-insensitively and always answers with the trailing dot. */
export function normName(n: string): string {
  const s = n.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))).toLowerCase();
  return s.endsWith('.') ? s : `${s}.`;
}

/** Identity of a record set: name, type, SetIdentifier. */
export function keyOf(r: Pick<StoredRecord, 'Name' | 'Type' | 'SetIdentifier'>): string {
  return `${r.Name}|${r.Type}|${r.SetIdentifier ?? ''}`;
}

/** Reads a <ResourceRecordSet> element. */
export function recordFromXml(n: XmlNode): StoredRecord {
  const r: StoredRecord = { Name: normName(textOf(n, 'Name') ?? ''), Type: textOf(n, 'Type') ?? '' };
  const setId = textOf(n, 'SetIdentifier');
  if (setId !== undefined) r.SetIdentifier = setId;
  const weight = textOf(n, 'Weight');
  if (weight !== undefined) r.Weight = Number(weight);
  const region = textOf(n, 'Region');
  if (region !== undefined) r.Region = region;
  const geo = child(n, 'GeoLocation');
  if (geo) {
    r.GeoLocation = {};
    for (const f of ['ContinentCode', 'CountryCode', 'SubdivisionCode'] as const) {
      const v = textOf(geo, f);
      if (v !== undefined) r.GeoLocation[f] = v;
    }
  }
  const failover = textOf(n, 'Failover');
  if (failover !== undefined) r.Failover = failover;
  const mva = textOf(n, 'MultiValueAnswer');
  if (mva !== undefined) r.MultiValueAnswer = mva === 'true';
  const ttl = textOf(n, 'TTL');
  if (ttl !== undefined) r.TTL = Number(ttl);
  const rrs = child(n, 'ResourceRecords');
  if (rrs) r.ResourceRecords = childrenNamed(rrs, 'ResourceRecord').map((x) => child(x, 'Value')?.text ?? '');
  const at = child(n, 'AliasTarget');
  if (at) {
    r.AliasTarget = {
      HostedZoneId: (textOf(at, 'HostedZoneId') ?? '').replace(/^\/hostedzone\//, ''),
      DNSName: normName(textOf(at, 'DNSName') ?? ''),
      EvaluateTargetHealth: textOf(at, 'EvaluateTargetHealth') === 'true',
    };
  }
  const hc = textOf(n, 'HealthCheckId');
  if (hc !== undefined) r.HealthCheckId = hc;
  const cidr = child(n, 'CidrRoutingConfig');
  if (cidr) r.CidrRoutingConfig = { CollectionId: textOf(cidr, 'CollectionId') ?? '', LocationName: textOf(cidr, 'LocationName') ?? '' };
  return r;
}

/** Writes a <ResourceRecordSet> element. */
export function recordToXml(r: StoredRecord): XmlRaw {
  return el('ResourceRecordSet', [
    el('Name', r.Name),
    el('Type', r.Type),
    el('SetIdentifier', r.SetIdentifier),
    el('Weight', r.Weight),
    el('Region', r.Region),
    r.GeoLocation ? el('GeoLocation', [el('ContinentCode', r.GeoLocation.ContinentCode), el('CountryCode', r.GeoLocation.CountryCode), el('SubdivisionCode', r.GeoLocation.SubdivisionCode)]) : undefined,
    el('Failover', r.Failover),
    el('MultiValueAnswer', r.MultiValueAnswer),
    el('TTL', r.TTL),
    r.ResourceRecords ? el('ResourceRecords', r.ResourceRecords.map((v) => el('ResourceRecord', el('Value', v)))) : undefined,
    r.AliasTarget
      ? el('AliasTarget', [el('HostedZoneId', r.AliasTarget.HostedZoneId), el('DNSName', r.AliasTarget.DNSName), el('EvaluateTargetHealth', r.AliasTarget.EvaluateTargetHealth)])
      : undefined,
    el('HealthCheckId', r.HealthCheckId),
    r.CidrRoutingConfig ? el('CidrRoutingConfig', [el('CollectionId', r.CidrRoutingConfig.CollectionId), el('LocationName', r.CidrRoutingConfig.LocationName)]) : undefined,
  ]);
}

/** Same record set, values compared as a set (what DELETE must match). */
export function sameRecord(a: StoredRecord, b: StoredRecord): boolean {
  const canon = (r: StoredRecord): string => JSON.stringify({ ...r, ResourceRecords: r.ResourceRecords ? [...r.ResourceRecords].sort() : undefined });
  return canon(a) === canon(b);
}

/** Label-reversed name (`www.example.com.` → [com, example, www]): Route53's listing order. */
function reversedLabels(name: string): string[] {
  return name.replace(/\.$/, '').split('.').reverse();
}

/** Listing order: reversed name label by label, then type, then SetIdentifier. */
export function compareListing(a: Pick<StoredRecord, 'Name' | 'Type' | 'SetIdentifier'>, b: Pick<StoredRecord, 'Name' | 'Type' | 'SetIdentifier'>): number {
  const la = reversedLabels(a.Name);
  const lb = reversedLabels(b.Name);
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return la[i]! < lb[i]! ? -1 : 1;
  }
  if (la.length !== lb.length) return la.length - lb.length;
  if (a.Type !== b.Type) return a.Type < b.Type ? -1 : 1;
  const sa = a.SetIdentifier ?? '';
  const sb = b.SetIdentifier ?? '';
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

/** The routing policy kind of a record ('simple' without SetIdentifier). */
export function routingKind(r: StoredRecord): string {
  if (r.Region !== undefined) return 'latency';
  if (r.Failover !== undefined) return 'failover';
  if (r.Weight !== undefined) return 'weighted';
  if (r.GeoLocation !== undefined) return 'geolocation';
  if (r.MultiValueAnswer !== undefined) return 'multivalue';
  if (r.CidrRoutingConfig !== undefined) return 'cidr';
  return 'simple';
}

/** How a record is named in Route53's error messages. */
export function describeForError(r: StoredRecord): string {
  return `[name='${r.Name}', type='${r.Type}'${r.SetIdentifier !== undefined ? `, set-identifier='${r.SetIdentifier}'` : ''}]`;
}
