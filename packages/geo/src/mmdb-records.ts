/**
 * A GeoIP database in MaxMind DB format → client map records, read with
 * mmdb-lib (the maintained reader; no hand-written parser). mmdb-lib looks
 * addresses up but does not list networks, so the networks are walked
 * through its public API: look an address up, take the prefix length of the
 * network that holds it, continue after that network.
 *
 * Record layouts understood: GeoIP2/GeoLite2 and DB-IP (`country.iso_code`,
 * `continent.code`, `location.latitude/longitude`) and ip-location-db
 * (`country_code`, `latitude`/`longitude`). A record with a country and no
 * coordinates is placed at its country's reference point (country-locations.ts).
 */
import { Reader } from 'mmdb-lib';
import { GeoRecordsBuilder, type ClientLocation, type GeoRecords } from '@edgesteer/core';
import { COUNTRY_LOCATIONS } from './country-locations.js';
import { GeoError } from './errors.js';

/** An opened database: its records source text and a per-address lookup (for explain). */
export interface GeoDatabase {
  /** What the map records as its source, e.g. "ip-location-db geo-whois-asn-country 2026-06-17". */
  source: string;
  /** Where it came from (a path or "embedded:…"). */
  origin: string;
  /** The location the database gives `ip`, or undefined when it has no record. */
  locate(ip: string): ClientLocation | undefined;
  /** Every network of the database as client map records. */
  records(): GeoRecords;
}

type MmdbRecord = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const code = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v.toUpperCase() : undefined);
const sub = (r: MmdbRecord, k: string): MmdbRecord | undefined => {
  const v = r[k];
  return v !== null && typeof v === 'object' ? (v as MmdbRecord) : undefined;
};

/** The location a database record describes (see module comment). */
export function recordLocation(r: MmdbRecord): ClientLocation {
  const country = code(r['country_code']) ?? code(sub(r, 'country')?.['iso_code']) ?? code(sub(r, 'registered_country')?.['iso_code']);
  const ref = country ? COUNTRY_LOCATIONS[country] : undefined;
  const continent = code(sub(r, 'continent')?.['code']) ?? code(r['continent_code']) ?? (ref?.[2] || undefined);
  const loc = sub(r, 'location');
  let lat = num(loc?.['latitude']) ?? num(r['latitude']);
  let lon = num(loc?.['longitude']) ?? num(r['longitude']);
  if (lat === undefined || lon === undefined) {
    lat = ref?.[0];
    lon = ref?.[1];
  }
  const out: ClientLocation = {};
  if (country) out.country = country;
  if (continent) out.continent = continent;
  if (lat !== undefined && lon !== undefined) {
    out.lat = lat;
    out.lon = lon;
  }
  return out;
}

/**
 * IPv6 blocks skipped when listing (first 32 bits, prefix length): MaxMind
 * databases alias IPv4 into ::/96 and ::ffff:0:0/96 (inside ::/8), 6to4
 * 2002::/16 and Teredo 2001::/32; listing them would copy the IPv4 data into
 * the IPv6 ranges. The client map looks IPv4-mapped addresses up as IPv4;
 * the rest go to the default region.
 */
const V6_SKIP: Array<[number, number]> = [
  [0x00000000, 8],
  [0x20010000, 32],
  [0x20020000, 16],
];

const hex16 = (w: number) => ((w >>> 16) & 0xffff).toString(16) + ':' + (w & 0xffff).toString(16);
/** Opens a MaxMind DB image. Throws E_GEO_DB_CORRUPT when mmdb-lib cannot read it. */
export function openMmdb(bytes: Buffer, origin: string): GeoDatabase {
  let reader: Reader<MmdbRecord>;
  try {
    // Decoded records cached by data offset: networks share few records, and a shared object lets walk() place each location once.
    const cache = new Map<number, unknown>();
    reader = new Reader<MmdbRecord>(bytes, { cache: { get: (k: number) => cache.get(k), set: (k: number, v: unknown) => void cache.set(k, v) } as never });
    // A broken search tree or data section often passes the metadata check: read one record to find out early.
    reader.getWithPrefixLength('1.1.1.1');
  } catch (err) {
    throw new GeoError('E_GEO_DB_CORRUPT', `${origin} is not a readable MaxMind DB (.mmdb) file: ${(err as Error).message}`, { cause: err });
  }
  const md = reader.metadata;
  const built = md.buildEpoch instanceof Date && !Number.isNaN(md.buildEpoch.getTime()) ? md.buildEpoch.toISOString().slice(0, 10) : 'unknown';
  const source = `${md.databaseType} ${built}`;
  const guard = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new GeoError('E_GEO_DB_CORRUPT', `${origin}: cannot read ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    source,
    origin,
    locate(ip) {
      const r = guard(ip, () => reader.get(ip));
      return r ? recordLocation(r) : undefined;
    },
    records() {
      return guard('the networks', () => walk(reader, md.ipVersion, source));
    },
  };
}

function walk(reader: Reader<MmdbRecord>, ipVersion: number, source: string): GeoRecords {
  const b = new GeoRecordsBuilder(source);
  const byRecord = new WeakMap<object, number>();
  const locOf = (r: MmdbRecord): number => {
    let i = byRecord.get(r);
    if (i === undefined) {
      i = b.location(recordLocation(r));
      byRecord.set(r, i);
    }
    return i;
  };
  let a = 0;
  while (a <= 0xffffffff) {
    const [r, prefix] = reader.getWithPrefixLength(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
    // mmdb-lib gives IPv4 prefix lengths in IPv4 terms, also in an IPv6 tree.
    const size = 2 ** (32 - prefix);
    const start = Math.floor(a / size) * size;
    if (r) b.add4(start, start + size - 1, locOf(r));
    a = start + size;
  }
  if (ipVersion !== 6) return b.records;
  // The address as four 32-bit words (numbers: BigInt arithmetic per network costs seconds on a large database).
  const w = new Uint32Array(4);
  for (;;) {
    const skip = V6_SKIP.find(([net, len]) => (w[0]! >>> (32 - len)) === (net >>> (32 - len)));
    let prefix: number;
    if (skip) {
      prefix = skip[1];
    } else {
      const [r, p] = reader.getWithPrefixLength(`${hex16(w[0]!)}:${hex16(w[1]!)}:${hex16(w[2]!)}:${hex16(w[3]!)}`);
      prefix = p;
      if (r) {
        const start = (BigInt(w[0]!) << 96n) | (BigInt(w[1]!) << 64n) | (BigInt(w[2]!) << 32n) | BigInt(w[3]!);
        b.add6(start, start + (1n << BigInt(128 - prefix)) - 1n, locOf(r));
      }
    }
    // Next network: add 1 at bit `prefix` (counted from the top), with carry; done when it carries out.
    let i = Math.ceil(prefix / 32) - 1;
    if (prefix === 0) break;
    let add = prefix % 32 === 0 ? 1 : 2 ** (32 - (prefix % 32));
    while (i >= 0) {
      const v = w[i]! + add;
      if (v <= 0xffffffff) {
        w[i] = v;
        break;
      }
      w[i] = v - 2 ** 32;
      add = 1;
      i--;
    }
    if (i < 0) break;
  }
  return b.records;
}
