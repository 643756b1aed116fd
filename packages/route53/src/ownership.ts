/**
 * Ownership markers, external-dns style. Every record edgesteer manages has
 * a TXT "marker" at `_es-<type>.<name>` with the same SetIdentifier and the
 * same routing fields (Region / Failover / Weight), so latency and failover
 * sets, which hold several records per name, get one marker per record:
 *
 *   cdn.example.com.          A    latency  SetIdentifier cdn-eu  (alias)
 *   _es-a.cdn.example.com.    TXT  latency  SetIdentifier cdn-eu  "heritage=edgesteer,owner=acme,service=cdn"
 *
 * A record is owned by `owner` iff its marker exists and names that owner.
 * A record and its marker are always written in the same atomic batch.
 */
import type { RecordSet } from './model.js';
import { recordKey } from './model.js';
import { markerName } from './names.js';

/** TTL of marker records (nobody resolves them in a hurry). */
export const MARKER_TTL = 300;

const MARKER_VALUE = /^"heritage=edgesteer,owner=([a-z0-9-]+)(?:,service=([a-z0-9-]*))?"$/;
const MARKER_NAME = /^_es-([a-z0-9]+)\.(.+)$/;

/** The marker record of `record`. */
export function markerFor(record: RecordSet, owner: string, service: string): RecordSet {
  const m: RecordSet = {
    name: markerName(record.name, record.type),
    type: 'TXT',
    ttl: MARKER_TTL,
    values: [`"heritage=edgesteer,owner=${owner},service=${service}"`],
  };
  if (record.setIdentifier !== undefined) m.setIdentifier = record.setIdentifier;
  if (record.region !== undefined) m.region = record.region;
  if (record.failover !== undefined) m.failover = record.failover;
  if (record.weight !== undefined) m.weight = record.weight;
  // IP-based routing: same collection and location (Route53 wants one routing policy per name and type).
  if (record.cidr !== undefined) m.cidr = { ...record.cidr };
  return m;
}

/** What a marker says, if `record` is one. */
export interface MarkerInfo {
  /** Key of the record this marker owns. */
  ownedKey: string;
  owner: string;
  service: string;
}

/** Parses a marker record; undefined when `record` is not an edgesteer marker. */
export function parseMarker(record: RecordSet): MarkerInfo | undefined {
  if (record.type !== 'TXT' || record.values?.length !== 1) return undefined;
  const name = MARKER_NAME.exec(record.name);
  const value = MARKER_VALUE.exec(record.values[0] ?? '');
  if (!name || !value) return undefined;
  return {
    ownedKey: recordKey({ name: name[2]!, type: name[1]!.toUpperCase(), setIdentifier: record.setIdentifier }),
    owner: value[1]!,
    service: value[2] ?? '',
  };
}

/** Markers found in a zone, by the key of the record each one owns. */
export function indexMarkers(records: readonly RecordSet[]): Map<string, { marker: RecordSet; info: MarkerInfo }> {
  const out = new Map<string, { marker: RecordSet; info: MarkerInfo }>();
  for (const r of records) {
    const info = parseMarker(r);
    if (info) out.set(info.ownedKey, { marker: r, info });
  }
  return out;
}
