/**
 * Why a client lands in its region: the client map's answer for one
 * address (region, rule, ECS scope and the block it covers) with the
 * distance from the client's location to every region, for
 * `edgesteer explain --client`.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import { greatCircleKm } from './aws-regions.js';
import type { ClientMap } from './client-map.js';
import { hasCoordinates, regionPlaces, type ClientLocation, type ClientRule } from './client-rules.js';

/** One region as seen from the client. */
export interface RegionDistance {
  region: string;
  aws: string;
  lat: number | null;
  lon: number | null;
  /** Great-circle distance from the client's location; null when either location is unknown. */
  km: number | null;
}

export interface ClientExplanation {
  address: string;
  region: string;
  rule: ClientRule;
  /** What the rule means, in words. */
  because: string;
  scopePrefix: number;
  /** The ECS block the answer holds for, e.g. 81.0.0.0/14. */
  scopeBlock: string;
  /** What the database says about the address (undefined: no record). */
  location: ClientLocation | undefined;
  distances: RegionDistance[];
  clientMap: { hash: string; source: string; v4Ranges: number; v6Ranges: number; bytes: number };
}

const BECAUSE: Record<ClientRule, string> = {
  cidr: 'a clientCidrs network of the region holds the address (longest prefix wins)',
  country: "the address's country is in the region's countries",
  continent: "the address's continent is in the region's continents",
  distance: 'the region is the nearest by great-circle distance from the address\'s location',
  default: 'no network, country, continent or location places the address: the default region',
};

function blockText(ip: Uint8Array, prefix: number): string {
  const b = ip.slice();
  const v4 = b.length === 4;
  // IPv4-mapped scopes are in IPv6 terms; show the block as the IPv6 address family the query used.
  for (let bit = prefix; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  if (v4) return `${Array.from(b).join('.')}/${prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${prefix}`;
}

/** Explains where `ip` (4/16 bytes, text `address`) goes; `location` is the database's record for it. */
export function explainClient(policy: Policy, map: ClientMap, address: string, ip: Uint8Array, location: ClientLocation | undefined): ClientExplanation {
  const m = map.lookup(ip);
  const places = regionPlaces(policy);
  const distances: RegionDistance[] = policy.regions.map((r, i) => {
    const at = places.locations[i];
    const km = at && hasCoordinates(location) ? Math.round(greatCircleKm(location, at)) : null;
    return { region: r.id, aws: r.aws, lat: at?.lat ?? null, lon: at?.lon ?? null, km };
  });
  return {
    address,
    region: m.region,
    rule: m.rule,
    because: BECAUSE[m.rule],
    scopePrefix: m.scopePrefix,
    scopeBlock: blockText(ip, m.scopePrefix),
    location,
    distances,
    clientMap: { hash: map.hash, source: map.source, v4Ranges: map.stats.v4Ranges, v6Ranges: map.stats.v6Ranges, bytes: map.stats.bytes },
  };
}
