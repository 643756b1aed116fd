/**
 * Which region an HTTP client belongs to, for /steer and DoH. The placement
 * itself is the compiled client map's (the same map the DNS server answers
 * from); this module only orders the evidence:
 *  1. an explicit subnet (ECS in the query, or ?edns_client_subnet=);
 *  2. the connecting address, when the map knows it (a clientCidrs network
 *     or a database record: any rule but `default`);
 *  3. request.cf on Cloudflare (country, continent, coordinates), through
 *     the same policy rules: countries → continents → nearest region;
 *  4. the connecting address anyway (its default region), else the default region.
 */
import { classifyLocation, regionPlaces, type ClientLocation, type ClientMap, type ClientRule, type RegionPlaces } from '@edgesteer/core';
import { COUNTRY_LOCATIONS } from '@edgesteer/geo/countries';
import { formatCidr, parseIp, type Cidr, type IpAddress, type Policy } from '@edgesteer/policy/neutral';

/** How the region was chosen. */
export type RegionSource = 'ecs' | 'address' | 'cf' | 'default';

export interface ClientRegion {
  region: string;
  source: RegionSource;
  /** The client map rule (or, for cf, the policy rule) that placed the client. */
  rule: ClientRule;
  /** ECS scope of the placement (ecs and address only). */
  scopePrefix?: number;
  /** The address or subnet the match used, when there was one. */
  client?: string;
  /** For cf: what request.cf said, e.g. "country:SG". */
  via?: string;
}

/** The `request.cf` fields we read (Cloudflare gives latitude/longitude as text). */
export interface CfLocation {
  colo?: string;
  country?: string;
  continent?: string;
  latitude?: string | number;
  longitude?: string | number;
}

export interface ClientEvidence {
  /** Explicit client subnet (ECS, or ?edns_client_subnet=). */
  subnet?: Cidr;
  subnetText?: string;
  /** The connecting address (socket peer on Node, CF-Connecting-IP on Cloudflare). */
  address?: string;
  cf?: CfLocation;
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (how dual-stack sockets report IPv4 peers). */
export function parseClientAddress(text: string | undefined): IpAddress | undefined {
  if (!text) return undefined;
  const t = text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
  return parseIp(t) ?? undefined;
}

const places = new WeakMap<Policy, RegionPlaces>();

/** request.cf as a client location: its coordinates, else its country's reference point. */
export function cfLocation(cf: CfLocation | undefined): ClientLocation | undefined {
  if (!cf) return undefined;
  const country = typeof cf.country === 'string' && /^[A-Za-z]{2}$/.test(cf.country) ? cf.country.toUpperCase() : undefined;
  const ref = country ? COUNTRY_LOCATIONS[country] : undefined;
  const continent = typeof cf.continent === 'string' && cf.continent !== '' ? cf.continent.toUpperCase() : ref?.[2];
  let lat = cf.latitude === undefined || cf.latitude === '' ? NaN : Number(cf.latitude);
  let lon = cf.longitude === undefined || cf.longitude === '' ? NaN : Number(cf.longitude);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
    lat = ref?.[0] ?? NaN;
    lon = ref?.[1] ?? NaN;
  }
  if (!country && !continent && !Number.isFinite(lat)) return undefined;
  return { country, continent, ...(Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : {}) };
}

/** The client's region with the evidence that decided it (see module doc). */
export function clientRegion(policy: Policy, map: ClientMap, ev: ClientEvidence): ClientRegion {
  if (ev.subnet) {
    const m = map.lookup(ev.subnet.bytes, ev.subnet.prefix);
    return { region: m.region, source: 'ecs', rule: m.rule, scopePrefix: m.scopePrefix, client: ev.subnetText ?? formatCidr(ev.subnet) };
  }
  const ip = parseClientAddress(ev.address);
  const byAddress = ip ? map.lookup(ip.bytes) : undefined;
  if (byAddress && byAddress.rule !== 'default') return { region: byAddress.region, source: 'address', rule: byAddress.rule, scopePrefix: byAddress.scopePrefix, client: ev.address! };
  const loc = cfLocation(ev.cf);
  if (loc) {
    let p = places.get(policy);
    if (!p) {
      p = regionPlaces(policy);
      places.set(policy, p);
    }
    const c = classifyLocation(p, loc);
    if (c.rule !== 'default') {
      const via = loc.country ? `country:${loc.country}` : loc.continent ? `continent:${loc.continent}` : 'coordinates';
      return { region: p.ids[c.region]!, source: 'cf', rule: c.rule, via, ...(ev.address ? { client: ev.address } : {}) };
    }
  }
  if (byAddress) return { region: byAddress.region, source: 'address', rule: 'default', scopePrefix: byAddress.scopePrefix, client: ev.address! };
  return { region: map.defaultRegion, source: 'default', rule: 'default', ...(ev.address ? { client: ev.address } : {}) };
}
