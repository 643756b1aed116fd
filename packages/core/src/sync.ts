/**
 * Is a plane's decision state backed by current measurements? A plane that
 * decides for itself (DNS server, Worker, controller) is "synced" when, for
 * every edge, at least the effective quorum of regions (see verdicts.ts)
 * have a fresh link to it that has seen at least `fall` observations — so
 * a link to a dead edge has had the chance to go down. Before that, a
 * verdict can only be an assumption (assume-up, or a saved verdict that
 * may be out of date), and the plane says so (`unsynced` on /healthz) and,
 * where the policy asks, refuses to answer (health.unsynced: servfail).
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState } from './types.js';
import { effectiveQuorum, isFresh } from './verdicts.js';

/** Result of {@link syncStatus}. */
export interface SyncStatus {
  /** Every edge has `needed` regions with fresh, settled links (see module doc). */
  synced: boolean;
  /** Edges that have them. */
  edgesKnown: number;
  edges: number;
  /** Policy regions with at least one fresh link, in policy order. */
  freshRegions: string[];
  /** Effective quorum: regions needed. */
  needed: number;
  /** Newest observation time folded into the state (epoch ms), null when none. */
  lastObservationAt: number | null;
}

/** Whether `state` holds fresh data from quorum regions at `now` (pure; see module doc). */
export function syncStatus(policy: Policy, state: DecisionState, now: number): SyncStatus {
  const { quorum, staleAfterMs } = policy.health;
  const regions = new Set(policy.regions.map((r) => r.id));
  const fall = new Map(policy.edges.map((e) => [e.id, e.check.fall] as const));
  const fresh = new Set<string>();
  const settled = new Map<string, number>();
  let newest = -Infinity;
  for (const [key, link] of Object.entries(state.links)) {
    const bar = key.indexOf('|');
    const region = key.slice(0, bar);
    const edge = key.slice(bar + 1);
    if (!regions.has(region)) continue;
    if (link.lastAt > newest) newest = link.lastAt;
    if (!isFresh(link, now, staleAfterMs)) continue;
    fresh.add(region);
    const f = fall.get(edge);
    if (f !== undefined && link.samples >= f) settled.set(edge, (settled.get(edge) ?? 0) + 1);
  }
  const needed = effectiveQuorum(quorum, policy.regions.length);
  const ids = new Set(policy.edges.map((e) => e.id));
  let known = 0;
  for (const id of ids) if ((settled.get(id) ?? 0) >= needed) known++;
  const freshRegions = policy.regions.map((r) => r.id).filter((id) => fresh.has(id));
  return { synced: ids.size > 0 && known === ids.size, edgesKnown: known, edges: ids.size, freshRegions, needed, lastObservationAt: newest === -Infinity ? null : newest };
}
