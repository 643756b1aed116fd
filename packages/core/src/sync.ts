/**
 * Is a plane's decision state backed by current measurements? A plane that
 * decides for itself (DNS server, Worker, controller) is "synced" when
 * enough probe regions have fresh data for an edge to be held down: at
 * least the effective quorum of regions (see verdicts.ts). Before that, a
 * verdict can only be an assumption (assume-up, or a saved verdict that
 * may be out of date), and the plane says so (`unsynced` on /healthz) and,
 * where the policy asks, refuses to answer (health.unsynced: servfail).
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState } from './types.js';
import { effectiveQuorum, isFresh } from './verdicts.js';

/** Result of {@link syncStatus}. */
export interface SyncStatus {
  /** At least `needed` regions have fresh data. */
  synced: boolean;
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
  const fresh = new Set<string>();
  let newest = -Infinity;
  for (const [key, link] of Object.entries(state.links)) {
    const region = key.slice(0, key.indexOf('|'));
    if (!regions.has(region)) continue;
    if (link.lastAt > newest) newest = link.lastAt;
    if (isFresh(link, now, staleAfterMs)) fresh.add(region);
  }
  const needed = effectiveQuorum(quorum, policy.regions.length);
  const freshRegions = policy.regions.map((r) => r.id).filter((id) => fresh.has(id));
  return { synced: freshRegions.length >= needed, freshRegions, needed, lastObservationAt: newest === -Infinity ? null : newest };
}
