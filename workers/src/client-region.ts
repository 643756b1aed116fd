/**
 * Which region an HTTP client belongs to, for /steer and for the region
 * hint on Cloudflare. The match itself is core's (longest prefix over the
 * regions' client CIDRs, default region otherwise); this module only adds
 * the order of evidence: an explicit subnet (ECS), else the connecting
 * address when some region claims it, else the request.cf hint, else the
 * default region.
 */
import { buildRegionMatcher, type RegionMatcher } from '@edgesteer/core';
import { formatCidr, parseIp, type Cidr, type IpAddress, type Policy } from '@edgesteer/policy/neutral';
import { regionFromCf, type CfHints, type CfLocation } from './cf-hints.js';

/** How the region was chosen. */
export type RegionSource = 'ecs' | 'address' | 'cf-hint' | 'default';

export interface ClientRegion {
  region: string;
  source: RegionSource;
  /** The address or subnet the match used, when there was one. */
  client?: string;
  /** For cf-hint: the hint that matched, e.g. "colo:FRA". */
  via?: string;
}

export interface ClientEvidence {
  /** Explicit client subnet (ECS, or ?edns_client_subnet=). */
  subnet?: Cidr;
  subnetText?: string;
  /** The connecting address (socket peer on Node, CF-Connecting-IP on Cloudflare). */
  address?: string;
  cf?: CfLocation;
  hints?: CfHints;
}

interface PolicyIndex {
  matcher: RegionMatcher;
  regionIds: Set<string>;
}

const indexes = new WeakMap<Policy, PolicyIndex>();

function indexFor(policy: Policy): PolicyIndex {
  let idx = indexes.get(policy);
  if (!idx) {
    idx = { matcher: buildRegionMatcher(policy), regionIds: new Set(policy.regions.map((r) => r.id)) };
    indexes.set(policy, idx);
  }
  return idx;
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (how dual-stack sockets report IPv4 peers). */
export function parseClientAddress(text: string | undefined): IpAddress | undefined {
  if (!text) return undefined;
  const t = text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
  return parseIp(t) ?? undefined;
}

/** True when some region of the policy lists a client CIDR containing `ip`. */
export function claimedByPolicy(policy: Policy, ip: IpAddress): boolean {
  return indexFor(policy).matcher.match(ip.bytes).matched;
}

/** The client's region with the evidence that decided it (see module doc). */
export function clientRegion(policy: Policy, ev: ClientEvidence): ClientRegion {
  const idx = indexFor(policy);
  if (ev.subnet) {
    const m = idx.matcher.match(ev.subnet.bytes, ev.subnet.prefix);
    return { region: m.region, source: 'ecs', client: ev.subnetText ?? formatCidr(ev.subnet) };
  }
  const ip = parseClientAddress(ev.address);
  const byAddress = ip ? idx.matcher.match(ip.bytes) : undefined;
  if (byAddress?.matched) return { region: byAddress.region, source: 'address', client: ev.address! };
  const hinted = regionFromCf(ev.hints, ev.cf);
  if (hinted && idx.regionIds.has(hinted.region)) {
    return { region: hinted.region, source: 'cf-hint', via: hinted.via, ...(ev.address ? { client: ev.address } : {}) };
  }
  return { region: idx.matcher.defaultRegion, source: 'default', ...(ev.address ? { client: ev.address } : {}) };
}
