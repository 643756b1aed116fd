/**
 * What changed between two decision cycles, in words an on-call engineer can
 * act on: verdict flips and answer changes with the reason behind them.
 */
import type { DecisionState, RouteEntry, RoutingTable } from '@edgesteer/core';

/** An edge verdict flip. */
export interface VerdictChange {
  kind: 'verdict';
  at: number;
  edge: string;
  from: 'up' | 'down';
  to: 'up' | 'down';
  reason: string;
  /** Regions with fresh data that saw the edge down, and how many had fresh data (for readable wording). */
  downRegions?: string[];
  freshRegions?: number;
}

/** The answer for one (service, client region) changed. */
export interface AnswerChange {
  kind: 'answer';
  at: number;
  service: string;
  region: string;
  from: string[];
  to: string[];
  fromMode: RouteEntry['mode'] | 'none';
  toMode: RouteEntry['mode'];
  reason: string;
  /** Table version that carries the new answer. */
  version: number;
}

/** A policy reload attempt. */
export interface PolicyChange {
  kind: 'policy';
  at: number;
  result: 'applied' | 'invalid';
  message: string;
}

/** One entry of the failover timeline. */
export type TimelineEvent = VerdictChange | AnswerChange | PolicyChange;

const word = (up: boolean): 'up' | 'down' => (up ? 'up' : 'down');

/** Verdict flips from `prev` to `next`. Edges without a previous verdict count as up (assume-up start). */
export function diffVerdicts(prev: DecisionState, next: DecisionState, at: number): VerdictChange[] {
  const out: VerdictChange[] = [];
  for (const edge of Object.keys(next.verdicts).sort()) {
    const n = next.verdicts[edge];
    if (!n) continue;
    const wasUp = prev.verdicts[edge]?.up ?? true;
    if (wasUp !== n.up) out.push({ kind: 'verdict', at, edge, from: word(wasUp), to: word(n.up), reason: n.reason, downRegions: [...n.downRegions], freshRegions: n.freshRegions });
  }
  return out;
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? 'no RTT yet' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Why `edge` is no longer answered, if it is out of service (down, drained, gone). */
function whyGone(edge: string, to: RouteEntry, next: RoutingTable, state: DecisionState): string | undefined {
  const e = next.edges[edge];
  if (!e) return `${edge} removed from the policy`;
  if (e.drain) return `${edge} drained`;
  if (!e.up) return `${edge} down: ${(state.verdicts[edge]?.reason ?? 'verdict down').replace(/^down:\s*/, '')}`;
  if (!to.ranked.includes(edge)) return `${edge} no longer serves this service`;
  return undefined;
}

/** Why the answer moved from `from` to `to` for clients in `region`. */
function explainChange(
  region: string,
  from: RouteEntry | undefined,
  to: RouteEntry,
  next: RoutingTable,
  state: DecisionState,
  trigger: string,
): string {
  if (to.mode === 'fallback') return 'all edges down or drained: answering the fallback set (fail-open)';
  if (to.mode === 'closed') return 'all edges down or drained: fail-closed, answering nothing';
  if (from && from.mode !== 'ranked') return `${to.answer.join(', ') || 'an edge'} healthy again: leaving ${from.mode}`;
  const before = from?.answer ?? [];
  const gone = before.filter((e) => !to.answer.includes(e)).map((e) => whyGone(e, to, next, state)).filter((w): w is string => w !== undefined);
  if (gone.length > 0) return gone.join('; ');
  const back = to.answer.filter((e) => from !== undefined && !from.ranked.includes(e));
  const oldBest = before[0];
  const newBest = to.answer[0];
  if (oldBest && newBest && oldBest !== newBest) {
    const rttNew = state.links[`${region}|${newBest}`]?.rttMs;
    const rttOld = state.links[`${region}|${oldBest}`]?.rttMs;
    const prefix = back.includes(newBest) ? `${newBest} back up; ` : '';
    return `${prefix}${newBest} faster from ${region}: ${fmtMs(rttNew)} vs ${fmtMs(rttOld)} on ${oldBest}`;
  }
  if (back.length > 0) return `${back.join(', ')} back up`;
  if (trigger === 'reload') return 'policy reloaded';
  return 'answer set reordered by RTT';
}

/** Answer changes from `prev` to `next` (services × regions), each with a reason. */
export function diffAnswers(
  prev: RoutingTable | undefined,
  next: RoutingTable,
  state: DecisionState,
  trigger: string,
  at: number,
): AnswerChange[] {
  const out: AnswerChange[] = [];
  for (const [service, routes] of Object.entries(next.services)) {
    for (const [region, entry] of Object.entries(routes.regions)) {
      const old = prev?.services[service]?.regions[region];
      if (old && old.mode === entry.mode && old.answer.join(',') === entry.answer.join(',')) continue;
      if (!old && !prev) continue; // the very first table is not a change
      out.push({
        kind: 'answer',
        at,
        service,
        region,
        from: old?.answer ?? [],
        to: entry.answer,
        fromMode: old?.mode ?? 'none',
        toMode: entry.mode,
        reason: explainChange(region, old, entry, next, state, trigger),
        version: next.version,
      });
    }
  }
  return out;
}
