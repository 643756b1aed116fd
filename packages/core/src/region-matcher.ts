/**
 * Client address (or EDNS Client Subnet) → client region from the policy
 * alone: the client map compiled without a GeoIP database (clientCidrs,
 * longest prefix wins, else the default region). Kept as the answer plane's
 * default matcher; planes that map clients by geography pass the map
 * compiled by @edgesteer/geo instead. Scope and IPv4-mapped handling are the
 * client map's (client-map.ts).
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { ClientMap } from './client-map.js';
import { compileClientMap } from './client-map-compile.js';

/** Result of a region lookup. */
export interface RegionMatch {
  /** Region id. */
  region: string;
  /** ECS scope prefix length for the answer. */
  scopePrefix: number;
  /** True when a client CIDR matched. */
  matched: boolean;
}

/** Maps client addresses to regions. */
export interface RegionMatcher {
  /** Region of `ip` (4 or 16 bytes, or text); unparseable input yields the default region with scope 0. */
  match(ip: Uint8Array | string, sourcePrefix?: number): RegionMatch;
  /** The default region id. */
  readonly defaultRegion: string;
}

/** Builds the policy-only client map. Throws E_CORE_BAD_CIDR for a client CIDR that does not parse (the validator reports it first). */
export function buildRegionMatcher(policy: Policy): RegionMatcher & ClientMap {
  return compileClientMap(policy);
}
