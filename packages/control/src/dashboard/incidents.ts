/**
 * The timeline as incidents: everything one decision cycle changed is one
 * incident, its cause (an edge's verdict flip, a policy reload) first and
 * the answers that moved because of it under it. Failovers, recoveries and
 * plain re-ranks (an edge got faster) are told apart.
 */
import type { AnswerChange, PolicyChange, TimelineEvent, VerdictChange } from '../changes.js';

export type IncidentKind = 'failover' | 'recovery' | 'rerank' | 'policy' | 'policy-error';

export interface Incident {
  kind: IncidentKind;
  at: number;
  causes: Array<VerdictChange | PolicyChange>;
  effects: AnswerChange[];
}

function answerKind(a: AnswerChange): IncidentKind {
  if (a.toMode !== 'ranked' || /\b(down|drained|removed|no longer serves)\b/.test(a.reason)) return 'failover';
  if (a.fromMode !== 'ranked' || /back up|healthy again/.test(a.reason)) return 'recovery';
  return 'rerank';
}

/** Groups events (any order) into incidents, newest first. */
export function groupIncidents(events: readonly TimelineEvent[]): Incident[] {
  const byAt = new Map<number, Incident>();
  for (const ev of [...events].sort((a, b) => a.at - b.at)) {
    let inc = byAt.get(ev.at);
    if (!inc) byAt.set(ev.at, (inc = { kind: 'rerank', at: ev.at, causes: [], effects: [] }));
    if (ev.kind === 'answer') inc.effects.push(ev);
    else inc.causes.push(ev);
  }
  for (const inc of byAt.values()) {
    const verdicts = inc.causes.filter((c): c is VerdictChange => c.kind === 'verdict');
    const policy = inc.causes.find((c): c is PolicyChange => c.kind === 'policy');
    if (verdicts.some((v) => v.to === 'down')) inc.kind = 'failover';
    else if (verdicts.length > 0) inc.kind = 'recovery';
    else if (policy) inc.kind = policy.result === 'invalid' ? 'policy-error' : 'policy';
    else {
      const kinds = inc.effects.map(answerKind);
      inc.kind = kinds.includes('failover') ? 'failover' : kinds.includes('recovery') ? 'recovery' : 'rerank';
    }
    // Causes: verdicts before policy events, downs before ups.
    inc.causes.sort((a, b) => (a.kind === b.kind ? (a.kind === 'verdict' && b.kind === 'verdict' ? (a.to === 'down' ? -1 : 1) : 0) : a.kind === 'verdict' ? -1 : 1));
  }
  return [...byAt.values()].sort((a, b) => b.at - a.at);
}

/** A verdict flip in words: how many regions see what, against the quorum. */
export function verdictWords(v: VerdictChange, quorum: number): string {
  const down = v.downRegions?.length;
  const fresh = v.freshRegions;
  const last = /: last failure (.*)$/.exec(v.reason)?.[1];
  if (down === undefined || fresh === undefined || fresh === 0) return v.reason.replace(/^(up|down):\s*/, '');
  if (v.to === 'down') {
    return `${down} of ${fresh} regions see it failing (${quorum} needed: ${v.downRegions!.join(', ')})${last ? `; last failure: ${last}` : ''}`;
  }
  if (down === 0) return `all ${fresh} regions with fresh results see it healthy again`;
  return `only ${down} of ${fresh} regions still see it failing (${v.downRegions!.join(', ')}), fewer than the ${quorum} needed to keep it down`;
}
