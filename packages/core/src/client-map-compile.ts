/**
 * Compiles the client map: policy + GeoIP records → {@link ClientMap}.
 * Pure (the records arrive as data; reading a database is the job of
 * @edgesteer/geo).
 *
 * Per family:
 * 1. Database layer: every record's location is placed by the policy's
 *    rules (client-rules.ts: country → continent → distance → default),
 *    once per distinct location; addresses no record covers go to the
 *    default region.
 * 2. clientCidrs layer: the regions' networks, innermost (longest prefix)
 *    wins where they nest. Special-purpose blocks (RFC 6890: private,
 *    loopback, link-local, documentation, multicast, ...) join this layer as
 *    default-region networks: no database places them (some list 192.168/16
 *    in a country), while an operator's clientCidrs inside them still win.
 * 3. The clientCidrs layer is laid over the database layer; neighbours with
 *    the same (region, rule) merge into the rule layer, and neighbours with
 *    the same region merge into the region layer the answer path reads.
 */
import { parseCidr, type Policy } from '@edgesteer/policy/neutral';
import { ClientMap } from './client-map.js';
import { classifyLocation, regionPlaces, RULE_INDEX, type ClientLocation } from './client-rules.js';
import { CoreError } from './errors.js';

/** GeoIP records in columns: ranges [start, end] (inclusive) → index into `locations`. Sorted, not overlapping. */
export interface GeoRecords {
  /** What the records came from, e.g. "ip-location-db/geo-whois-asn-country 2026-06-17" (part of the map and its hash). */
  source: string;
  locations: ClientLocation[];
  v4: { start: number[]; end: number[]; loc: number[] };
  v6: { start: bigint[]; end: bigint[]; loc: number[] };
}

/** Collects records; dedupes locations by value. */
export class GeoRecordsBuilder {
  readonly records: GeoRecords;
  private readonly locIndex = new Map<string, number>();

  constructor(source: string) {
    this.records = { source, locations: [], v4: { start: [], end: [], loc: [] }, v6: { start: [], end: [], loc: [] } };
  }

  /** Index of a location (the same values give the same index). */
  location(loc: ClientLocation): number {
    const key = `${loc.country ?? ''}|${loc.continent ?? ''}|${loc.lat ?? ''}|${loc.lon ?? ''}`;
    let i = this.locIndex.get(key);
    if (i === undefined) {
      i = this.records.locations.length;
      this.records.locations.push({ ...loc });
      this.locIndex.set(key, i);
    }
    return i;
  }

  /** Adds [start, end]; a range that continues the previous one with the same location extends it. */
  add4(start: number, end: number, loc: number): void {
    const v = this.records.v4;
    const n = v.loc.length;
    if (n > 0 && v.loc[n - 1] === loc && v.end[n - 1]! + 1 === start) {
      v.end[n - 1] = end;
      return;
    }
    v.start.push(start);
    v.end.push(end);
    v.loc.push(loc);
  }

  add6(start: bigint, end: bigint, loc: number): void {
    const v = this.records.v6;
    const n = v.loc.length;
    if (n > 0 && v.loc[n - 1] === loc && v.end[n - 1]! + 1n === start) {
      v.end[n - 1] = end;
      return;
    }
    v.start.push(start);
    v.end.push(end);
    v.loc.push(loc);
  }
}

interface Segments {
  start: bigint[];
  value: number[];
}

const RULE_CIDR = RULE_INDEX.cidr;
const RULE_DEFAULT = RULE_INDEX.default;

/** Special-purpose blocks (RFC 6890 and successors) that belong to no place. */
const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'];
const SPECIAL_V6 = ['::/8', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

/** Disjoint [start, end] → label segments of the networks, innermost network winning (`region` holds the label). */
function cidrSegments(nets: Array<{ start: bigint; end: bigint; region: number }>): Array<{ start: bigint; end: bigint; region: number }> {
  // Outer before inner at the same start; the earlier region keeps an exact duplicate.
  nets.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const out: Array<{ start: bigint; end: bigint; region: number }> = [];
  const stack: Array<{ start: bigint; end: bigint; region: number }> = [];
  let pos = 0n;
  const emit = (s: bigint, e: bigint, region: number) => {
    if (s <= e) out.push({ start: s, end: e, region });
  };
  for (const n of nets) {
    while (stack.length > 0 && stack[stack.length - 1]!.end < n.start) {
      const top = stack.pop()!;
      emit(pos, top.end, top.region);
      pos = top.end + 1n;
    }
    const top = stack[stack.length - 1];
    if (top && top.start === n.start && top.end === n.end) continue;
    if (top) emit(pos, n.start - 1n, top.region);
    stack.push(n);
    pos = n.start;
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    emit(pos, top.end, top.region);
    pos = top.end + 1n;
  }
  return out;
}

/** Builds one family's rule layer (region * 8 + rule per segment), merged. */
function familyLayer(
  max: bigint,
  starts: ArrayLike<bigint | number>,
  ends: ArrayLike<bigint | number>,
  labels: ArrayLike<number>,
  cidrs: Array<{ start: bigint; end: bigint; region: number }>,
  defaultLabel: number,
  family: string,
): Segments {
  const out: Segments = { start: [], value: [] };
  const push = (s: bigint, v: number) => {
    if (out.value.length > 0 && out.value[out.value.length - 1] === v) return;
    out.start.push(s);
    out.value.push(v);
  };
  let j = 0;
  let x = 0n; // first address not yet written
  // Writes [x, to] from the base label, letting clientCidrs segments override.
  const fill = (to: bigint, label: number) => {
    while (x <= to) {
      while (j < cidrs.length && cidrs[j]!.end < x) j++;
      const c = cidrs[j];
      if (c && c.start <= x) {
        push(x, c.region);
        x = c.end + 1n;
      } else {
        const stop = c && c.start - 1n < to ? c.start - 1n : to;
        push(x, label);
        x = stop + 1n;
      }
    }
  };
  let prevEnd = -1n;
  for (let i = 0; i < labels.length; i++) {
    const s = BigInt(starts[i]!);
    const e = BigInt(ends[i]!);
    if (s <= prevEnd || e < s || e > max) throw new CoreError('E_CORE_GEO_RECORDS', `${family} database record ${i} is out of order or malformed`);
    prevEnd = e;
    if (x < s) fill(s - 1n, defaultLabel);
    if (x <= e) fill(e, labels[i]!);
  }
  fill(max, defaultLabel);
  return out;
}

function toV4(seg: Segments, pick: (v: number) => number): [Uint32Array, Uint8Array] {
  const s: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < seg.start.length; i++) {
    const val = pick(seg.value[i]!);
    if (v.length > 0 && v[v.length - 1] === val) continue;
    s.push(Number(seg.start[i]!));
    v.push(val);
  }
  return [Uint32Array.from(s), Uint8Array.from(v)];
}

function toV6(seg: Segments, pick: (v: number) => number): [Uint32Array, Uint8Array] {
  const s: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < seg.start.length; i++) {
    const val = pick(seg.value[i]!);
    if (v.length > 0 && v[v.length - 1] === val) continue;
    const b = seg.start[i]!;
    s.push(Number((b >> 96n) & 0xffffffffn), Number((b >> 64n) & 0xffffffffn), Number((b >> 32n) & 0xffffffffn), Number(b & 0xffffffffn));
    v.push(val);
  }
  return [Uint32Array.from(s), Uint8Array.from(v)];
}

function bytesToBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** What compileClientMap needs of the database: its records, or none (clientCidrs and the default region only). */
export type ClientMapInput = GeoRecords | undefined;

/**
 * Compiles the client map of `policy` over `records` (see module comment).
 * Without records, or with `geo.enabled: false`, the map holds the
 * clientCidrs and the default region only. Throws CoreError
 * E_CORE_BAD_CIDR / E_CORE_GEO_RECORDS / E_CORE_CLIENT_MAP_CORRUPT.
 */
export function compileClientMap(policy: Policy, records?: ClientMapInput, opts: { sha256Hex?: (bytes: Uint8Array) => string } = {}): ClientMap {
  const places = regionPlaces(policy);
  if (places.ids.length > 255) throw new CoreError('E_CORE_CLIENT_MAP_CORRUPT', `the client map holds at most 255 regions (policy has ${places.ids.length})`);
  const useGeo = records !== undefined && policy.geo?.enabled !== false;
  const defaultLabel = places.defaultIndex * 8 + RULE_DEFAULT;
  const nets4: Array<{ start: bigint; end: bigint; region: number }> = [];
  const nets6: Array<{ start: bigint; end: bigint; region: number }> = [];
  // `region` of a network entry is its label (region * 8 + rule).
  const addNet = (text: string, label: number, what: string) => {
    const c = parseCidr(text);
    if (!c) throw new CoreError('E_CORE_BAD_CIDR', `${what}: client CIDR "${text}" does not parse`);
    const bits = BigInt(c.bytes.length * 8);
    const host = bits - BigInt(c.prefix);
    const start = (bytesToBig(c.bytes) >> host) << host;
    (c.family === 4 ? nets4 : nets6).push({ start, end: start + (1n << host) - 1n, region: label });
  };
  policy.regions.forEach((region, i) => {
    for (const text of region.clientCidrs) addNet(text, i * 8 + RULE_CIDR, `region ${region.id}`);
  });
  // After the operator's: on an exact duplicate the first entry wins.
  if (useGeo) for (const text of [...SPECIAL_V4, ...SPECIAL_V6]) addNet(text, defaultLabel, 'special-purpose block');
  const labelOf: number[] = [];
  if (useGeo) {
    for (const loc of records.locations) {
      const c = classifyLocation(places, loc);
      labelOf.push(c.region * 8 + RULE_INDEX[c.rule]);
    }
  }
  const empty = { start: [], end: [], loc: [] };
  const r4 = useGeo ? records.v4 : empty;
  const r6 = useGeo ? records.v6 : empty;
  const labels4 = r4.loc.map((l) => labelOf[l] ?? defaultLabel);
  const labels6 = r6.loc.map((l) => labelOf[l] ?? defaultLabel);
  const seg4 = familyLayer((1n << 32n) - 1n, r4.start, r4.end, labels4, cidrSegments(nets4), defaultLabel, 'IPv4');
  const seg6 = familyLayer((1n << 128n) - 1n, r6.start, r6.end, labels6, cidrSegments(nets6), defaultLabel, 'IPv6');
  const region = (v: number) => v >> 3;
  const rule = (v: number) => v & 7;
  const [v4, v4Region] = toV4(seg4, region);
  const [v6, v6Region] = toV6(seg6, region);
  const [v4Rule, v4RuleId] = toV4(seg4, rule);
  const [v6Rule, v6RuleId] = toV6(seg6, rule);
  return ClientMap.fromLayers(
    {
    regions: places.ids,
    defaultIndex: places.defaultIndex,
    source: useGeo ? records.source : 'none',
    v4,
    v4Region,
    v6,
    v6Region,
    v4Rule,
    v4RuleId,
    v6Rule,
    v6RuleId,
    },
    opts.sha256Hex,
  );
}
