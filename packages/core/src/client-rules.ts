/**
 * The policy's rules for placing a client that no clientCidrs claims, by
 * what a GeoIP database knows of it: its country in some region's
 * `countries`, else its continent in some region's `continents`, else the
 * nearest region by great-circle distance from its coordinates, else the
 * default region. The client map applies these once per database location
 * at compile time; `explain` applies them to one client.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import { AWS_REGION_LOCATIONS, greatCircleKm, type LatLon } from './aws-regions.js';

/** Which rule placed a client. Stored in the compiled map by index into {@link CLIENT_RULES}. */
export type ClientRule = 'default' | 'cidr' | 'country' | 'continent' | 'distance';
/** Rule names by their index in the compiled map. */
export const CLIENT_RULES: readonly ClientRule[] = ['default', 'cidr', 'country', 'continent', 'distance'];
export const RULE_INDEX: Readonly<Record<ClientRule, number>> = { default: 0, cidr: 1, country: 2, continent: 3, distance: 4 };

/** What a database says about an address. Any field may be missing. */
export interface ClientLocation {
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string | undefined;
  /** Continent code (AF AN AS EU NA OC SA). */
  continent?: string | undefined;
  lat?: number | undefined;
  lon?: number | undefined;
}

/** The regions as the rules see them. */
export interface RegionPlaces {
  ids: readonly string[];
  defaultIndex: number;
  /** Each region's location: its own, else its AWS region's; undefined when neither is known. */
  locations: ReadonlyArray<LatLon | undefined>;
  byCountry: ReadonlyMap<string, number>;
  byContinent: ReadonlyMap<string, number>;
}

/** Reads the regions' places from the policy. */
export function regionPlaces(policy: Policy): RegionPlaces {
  const byCountry = new Map<string, number>();
  const byContinent = new Map<string, number>();
  policy.regions.forEach((r, i) => {
    // The validator rejects a code in two regions; should one slip through, the first region keeps it.
    for (const c of r.countries ?? []) if (!byCountry.has(c)) byCountry.set(c, i);
    for (const c of r.continents ?? []) if (!byContinent.has(c)) byContinent.set(c, i);
  });
  return {
    ids: policy.regions.map((r) => r.id),
    defaultIndex: Math.max(0, policy.regions.findIndex((r) => r.default)),
    locations: policy.regions.map((r) => r.location ?? AWS_REGION_LOCATIONS[r.aws]),
    byCountry,
    byContinent,
  };
}

/** True when the location has usable coordinates. */
export function hasCoordinates(loc: ClientLocation | undefined): loc is ClientLocation & LatLon {
  return loc !== undefined && Number.isFinite(loc.lat) && Number.isFinite(loc.lon) && Math.abs(loc.lat!) <= 90 && Math.abs(loc.lon!) <= 180;
}

/** Region index of the nearest located region (ties: the earlier region), or -1. */
export function nearestRegion(places: RegionPlaces, at: LatLon): number {
  let best = -1;
  let bestKm = Infinity;
  places.locations.forEach((l, i) => {
    if (!l) return;
    const km = greatCircleKm(at, l);
    if (km < bestKm) {
      bestKm = km;
      best = i;
    }
  });
  return best;
}

/** Applies the rules (country → continent → distance → default) to one location. */
export function classifyLocation(places: RegionPlaces, loc: ClientLocation | undefined): { region: number; rule: ClientRule } {
  if (loc) {
    const byCountry = loc.country ? places.byCountry.get(loc.country) : undefined;
    if (byCountry !== undefined) return { region: byCountry, rule: 'country' };
    const byContinent = loc.continent ? places.byContinent.get(loc.continent) : undefined;
    if (byContinent !== undefined) return { region: byContinent, rule: 'continent' };
    if (hasCoordinates(loc)) {
      const n = nearestRegion(places, loc);
      if (n >= 0) return { region: n, rule: 'distance' };
    }
  }
  return { region: places.defaultIndex, rule: 'default' };
}
