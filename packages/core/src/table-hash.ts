/**
 * Content hash of the routing table.
 *
 * Definition (stable: every plane and every controller must agree):
 *
 *   routeJson(entry)  = canonicalJson({ answer, mode, ranked })
 *   routeDigest(e)    = sha256Hex(routeJson(e))
 *   serviceDigest(s)  = sha256Hex(canonicalJson({ name, ttl, types, steering,
 *                         regions: { <region id>: routeDigest(route) } }))
 *   table.hash        = sha256Hex(canonicalJson({ edges, policyHash,
 *                         services: { <service id>: serviceDigest } }))
 *
 * Two deliberate choices:
 * - `rttMs` is informational and left out, so the hash (and the version)
 *   changes when routing changes — an answer, a ranking, a mode, a verdict,
 *   the policy — not whenever an RTT estimate moves by a fraction of a ms.
 * - Services and routes are hashed one and two levels down. A table of
 *   200 services × 20 regions is about 1 MB of canonical JSON and SHA-256
 *   in plain JS runs near 200 MB/s; per-service digests let decide()
 *   re-hash only the services whose routes changed, and per-route digests
 *   only the changed routes plus 64 hex digits per region of their service
 *   (an edge flapping changes one route in many services).
 *
 * The writers below produce exactly canonicalJson() of those values (tests
 * pin this); they exist because they are several times faster.
 */
import type { RouteEntry, RoutingTable, ServiceRoutes } from './types.js';
import { sha256Hex } from './sha256.js';

/** canonicalJson({ answer, mode, ranked }) of a route. */
export function routeJson(e: { answer: readonly string[]; mode: RouteEntry['mode']; ranked: readonly string[] }): string {
  // JSON.stringify of a string array is already canonical.
  return '{"answer":' + JSON.stringify(e.answer) + ',"mode":' + JSON.stringify(e.mode) + ',"ranked":' + JSON.stringify(e.ranked) + '}';
}

/** Canonical JSON of a service's hashed view, given each route's hashed JSON (its digest as a JSON string) by region id (any order). */
export function serviceJson(s: Pick<ServiceRoutes, 'name' | 'ttl' | 'types' | 'steering'>, routes: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...routes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = '{"name":' + JSON.stringify(s.name) + ',"regions":{';
  for (let i = 0; i < sorted.length; i++) out += (i > 0 ? ',' : '') + JSON.stringify(sorted[i]![0]) + ':' + sorted[i]![1];
  return out + '},"steering":' + JSON.stringify(s.steering) + ',"ttl":' + JSON.stringify(s.ttl) + ',"types":' + JSON.stringify(s.types) + '}';
}

/** sha256Hex(routeJson(e)): what a service's digest holds for each route. */
export function routeDigest(e: { answer: readonly string[]; mode: RouteEntry['mode']; ranked: readonly string[] }): string {
  return sha256Hex(routeJson(e));
}

/** Digest of one service's routes. */
export function serviceDigest(s: ServiceRoutes): string {
  return sha256Hex(serviceJson(s, Object.entries(s.regions).map(([id, e]) => [id, JSON.stringify(routeDigest(e))] as const)));
}

/** table.hash from the policy hash, the edges and the service digests. */
export function combineHash(policyHash: string, edges: RoutingTable['edges'], digests: Readonly<Record<string, string>>): string {
  const byKey = (o: object) => Object.keys(o).sort();
  let out = '{"edges":{';
  let first = true;
  for (const id of byKey(edges)) {
    const e = edges[id]!;
    out += (first ? '' : ',') + JSON.stringify(id) + ':{"drain":' + (e.drain ? 'true' : 'false') + ',"up":' + (e.up ? 'true' : 'false') + '}';
    first = false;
  }
  out += '},"policyHash":' + JSON.stringify(policyHash) + ',"services":{';
  first = true;
  for (const id of byKey(digests)) {
    out += (first ? '' : ',') + JSON.stringify(id) + ':' + JSON.stringify(digests[id]);
    first = false;
  }
  return sha256Hex(out + '}}');
}

/** Computes a table's hash from its content (see the module comment). */
export function tableHash(table: Pick<RoutingTable, 'policyHash' | 'services' | 'edges'>): string {
  const digests: Record<string, string> = {};
  for (const [id, s] of Object.entries(table.services)) digests[id] = serviceDigest(s);
  return combineHash(table.policyHash, table.edges, digests);
}

/** True when `table.hash` matches its content (e.g. after fetching it from a controller). */
export function verifyTableHash(table: RoutingTable): boolean {
  return tableHash(table) === table.hash;
}
