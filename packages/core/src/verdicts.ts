/**
 * Edge verdicts: one up/down per edge from the per-region links, by quorum
 * over regions with fresh data.
 *
 * The rule, and why:
 * - A link is fresh when its newest observation is at most
 *   `health.staleAfterMs` old. Stale links do not vote.
 * - Effective quorum = min(health.quorum, number of policy regions) (at
 *   least 1). It is deliberately NOT capped by the number of fresh regions:
 *   if two of three probes are partitioned away and the third says down,
 *   that is one voice, and with quorum 2 the edge stays up. Capping by the
 *   fresh count would let a single surviving (possibly itself partitioned)
 *   probe fail every edge over — exactly what the quorum exists to prevent.
 *   The cost: while fewer than quorum regions report, an edge cannot be
 *   held down, so it is answered again (fail-open, like the fallback).
 * - An edge is down iff fresh links saying down ≥ effective quorum.
 * - No fresh link at all: keep the previous verdict (fail-static); with no
 *   previous verdict, assume up. Losing every probe never flips edges down.
 */
import type { DecisionState, EdgeVerdict, LinkState } from './types.js';
import type { PolicyIndex } from './policy-index.js';

/** Effective quorum: the configured quorum capped at the number of regions (never below 1). */
export function effectiveQuorum(quorum: number, regionCount: number): number {
  return Math.max(1, Math.min(quorum, regionCount));
}

/** True when a link's newest observation is recent enough to vote. */
export function isFresh(link: LinkState, now: number, staleAfterMs: number): boolean {
  return link.lastAt >= now - staleAfterMs;
}

/**
 * Links as a grid: grid[r * E + e] is the link of region r to edge e
 * (policy indexes), undefined before its first observation.
 */
export type LinkGrid = ReadonlyArray<LinkState | undefined>;

/** Computes every policy edge's verdict at `now`, carrying `since` and fail-static memory from `previous`. */
export function computeVerdicts(idx: PolicyIndex, grid: LinkGrid, previous: DecisionState['verdicts'], now: number): Record<string, EdgeVerdict> {
  const out: Record<string, EdgeVerdict> = {};
  for (let e = 0; e < idx.edges.length; e++) {
    const id = idx.edges[e]!.id;
    if (out[id]) continue;
    out[id] = edgeVerdict(idx, grid, e, previous[id], now);
  }
  return out;
}

/** One edge's verdict (see the module comment for the rule). */
export function edgeVerdict(idx: PolicyIndex, grid: LinkGrid, e: number, prev: EdgeVerdict | undefined, now: number): EdgeVerdict {
  const { quorum, staleAfterMs } = idx.policy.health;
  const q = effectiveQuorum(quorum, idx.regions.length);
  const E = idx.edges.length;
  const downRegions: string[] = [];
  let fresh = 0;
  let newestAt = -Infinity;
  let lastFail: LinkState | undefined;
  for (let r = 0; r < idx.regions.length; r++) {
    const link = grid[r * E + e];
    if (!link) continue;
    if (link.lastAt > newestAt) newestAt = link.lastAt;
    if (!isFresh(link, now, staleAfterMs)) continue;
    fresh++;
    if (!link.up) {
      downRegions.push(idx.regions[r]!.id);
      if (!lastFail || link.lastAt > lastFail.lastAt) lastFail = link;
    }
  }

  let up: boolean;
  let reason: string;
  if (fresh === 0) {
    up = prev ? prev.up : true;
    if (newestAt === -Infinity && (!prev || prev.up)) reason = 'no observations yet: assumed up';
    else if (!prev) reason = 'no fresh data and no earlier verdict: assumed up';
    else {
      const age = newestAt === -Infinity ? '' : ` (newest is ${seconds(now - newestAt)} old, stale after ${seconds(staleAfterMs)})`;
      reason = `no fresh data${age}: keeping last verdict (${up ? 'up' : 'down'})`;
    }
  } else {
    up = downRegions.length < q;
    const tally = `${downRegions.length}/${fresh} fresh regions say down`;
    if (!up) reason = `down: ${tally} (quorum ${q}): last failure ${describeFailure(lastFail)}`;
    else if (downRegions.length > 0) reason = `up: only ${tally} (quorum ${q})`;
    else reason = `up: ${tally} (quorum ${q})`;
  }
  // Unchanged verdicts keep their object: cheap, and tables stay comparable by identity.
  if (prev && prev.up === up && prev.reason === reason && prev.freshRegions === fresh && sameList(prev.downRegions, downRegions)) return prev;
  return { up, downRegions, freshRegions: fresh, reason, since: prev && prev.up === up ? prev.since : now };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** "timeout", or "status (HTTP 503)" when a detail was reported. */
export function describeFailure(link: LinkState | undefined): string {
  if (!link?.lastReason) return 'unknown';
  return link.lastDetail ? `${link.lastReason} (${link.lastDetail})` : link.lastReason;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
