/**
 * The DNS server's answer plane: dns-wire's codec with core's region matcher
 * and assume-up routes plugged in (dns-wire does not depend on core).
 */
import { buildRegionMatcher, tableForPolicy, type RoutingTable } from '@edgesteer/core';
import { buildAnswerPlane, type AnswerPlane } from '@edgesteer/dns-wire';
import type { Policy } from '@edgesteer/policy';

/** Builds the plane for a policy and a table. Throws on a policy the matcher rejects. */
export function buildPlane(policy: Policy, table: RoutingTable, maxUdp: number): AnswerPlane {
  return buildAnswerPlane(policy, table, { matcher: buildRegionMatcher(policy), assumeUp: (at) => tableForPolicy(policy, at), maxUdp });
}
