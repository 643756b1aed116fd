/**
 * Integer indexes over a policy, so the hot loops work on arrays instead of
 * string lookups. Built once per policy content by compilePolicy()
 * (compiled-policy.ts memoises on the policy's JSON text, not on object
 * identity: a policy edited in place gets a fresh index, never a stale one).
 */
import type { Edge, Policy, Region, Service } from '@edgesteer/policy/neutral';

/** One service with its edges resolved to edge indexes. */
export interface IndexedService {
  service: Service;
  /** Indexes (into PolicyIndex.edges) of service.edges that exist, in service order, without duplicates. */
  edges: number[];
  /** member[e] = 1 when edge index e serves this service. */
  member: Uint8Array;
}

/** Policy lookups by integer index. */
export interface PolicyIndex {
  policy: Policy;
  regions: Region[];
  edges: Edge[];
  regionIndex: Map<string, number>;
  edgeIndex: Map<string, number>;
  /** Region index of each edge's own region, or -1 when it names no policy region. */
  edgeHomeRegion: Int32Array;
  services: IndexedService[];
  serviceIndex: Map<string, number>;
}

/** Builds the index. Unknown edge references are skipped (the validator reports them). */
export function indexPolicy(policy: Policy): PolicyIndex {
  const regionIndex = new Map<string, number>();
  policy.regions.forEach((r, i) => {
    if (!regionIndex.has(r.id)) regionIndex.set(r.id, i);
  });
  const edgeIndex = new Map<string, number>();
  policy.edges.forEach((e, i) => {
    if (!edgeIndex.has(e.id)) edgeIndex.set(e.id, i);
  });
  const edgeHomeRegion = new Int32Array(policy.edges.length);
  policy.edges.forEach((e, i) => {
    edgeHomeRegion[i] = regionIndex.get(e.region) ?? -1;
  });
  const serviceIndex = new Map<string, number>();
  const services = policy.services.map((service, i) => {
    if (!serviceIndex.has(service.id)) serviceIndex.set(service.id, i);
    return { service, ...resolveEdges(service.edges, edgeIndex, policy.edges.length) };
  });
  return { policy, regions: policy.regions, edges: policy.edges, regionIndex, edgeIndex, edgeHomeRegion, services, serviceIndex };
}

/** Resolves edge ids to indexes: unknown ids and repeats dropped, order kept. */
export function resolveEdges(ids: readonly string[], edgeIndex: Map<string, number>, edgeCount: number): { edges: number[]; member: Uint8Array } {
  const member = new Uint8Array(edgeCount);
  const edges: number[] = [];
  for (const id of ids) {
    const e = edgeIndex.get(id);
    if (e === undefined || member[e]) continue;
    member[e] = 1;
    edges.push(e);
  }
  return { edges, member };
}
