/**
 * The DNS server's answer plane: dns-wire's codec with the client map (the
 * compiled map, else core's policy-only matcher) and core's assume-up routes
 * plugged in (dns-wire does not depend on core).
 */
import { buildRegionMatcher, tableForPolicy, type RoutingTable } from '@edgesteer/core';
import { buildAnswerPlane, type AnswerPlane, type RegionMatcherLike } from '@edgesteer/dns-wire';
import type { Policy } from '@edgesteer/policy';

export interface PlaneOptions {
  maxUdp: number;
  /** Steered names answer SERVFAIL (unsynced, policy health.unsynced: servfail). */
  holdSteered?: boolean;
  /** The compiled client map; default: the policy's clientCidrs and default region only. */
  matcher?: RegionMatcherLike | undefined;
}

/** Builds the plane for a policy and a table. Throws on a policy the matcher rejects. */
export function buildPlane(policy: Policy, table: RoutingTable, o: PlaneOptions): AnswerPlane {
  return buildAnswerPlane(policy, table, {
    matcher: o.matcher ?? buildRegionMatcher(policy),
    assumeUp: (at) => tableForPolicy(policy, at),
    maxUdp: o.maxUdp,
    ...(o.holdSteered ? { holdSteered: true } : {}),
  });
}
