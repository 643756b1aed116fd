/**
 * explain(): why a (service, client region) gets the answer it gets. Runs
 * the same code as decide() on the same inputs, so it describes exactly what
 * decide(policy, state, now) would put in the table.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState, RouteMode } from './types.js';
import { computeRouteInto, prepareDecision, type DecisionContext } from './context.js';
import { compilePolicy } from './compiled-policy.js';
import type { IndexedService } from './policy-index.js';
import { ms, type HysteresisNote } from './rank.js';
import { isFresh } from './verdicts.js';
import { CoreError } from './errors.js';

/** What the client region's own probe last saw of an edge. */
export interface ProbeView {
  up: boolean;
  okStreak: number;
  failStreak: number;
  /** Epoch ms of the newest observation. */
  lastAt: number;
  fresh: boolean;
  lastFailure?: string;
}

/** One service edge, and why it is where it is. */
export interface EdgeExplanation {
  edge: string;
  /** Region the edge is located in. */
  region: string;
  inRanking: boolean;
  /** 1-based position in the ranking; null when not ranked. */
  position: number | null;
  inAnswer: boolean;
  /** Verdict across regions. */
  up: boolean;
  drained: boolean;
  weight: number;
  /** RTT from the client region (ms), when measured. */
  rttMs?: number;
  /** The verdict's own sentence (quorum tally). */
  verdict: string;
  /** The client region's probe view of this edge, when it has reported. */
  probe?: ProbeView;
  /** Why the edge is in or out, and at this position. */
  reason: string;
}

/** Explanation of one route. */
export interface Explanation {
  service: string;
  name: string;
  region: string;
  at: number;
  steering: 'latency' | 'failover' | 'weighted';
  mode: RouteMode;
  answer: string[];
  ranked: string[];
  answers: number;
  rttMs?: number;
  /**
   * Latency steering with a previous order: what hysteresis did for the
   * first place (the comparison at #1, else the drop of the previous best).
   */
  hysteresis?: HysteresisNote;
  /** Every hysteresis note, by position: drops of previous edges that are no longer eligible, and each contested place. */
  hysteresisNotes?: HysteresisNote[];
  /** One sentence on the outcome. */
  summary: string;
  /** Service edges in ranking order, then the unranked ones in service order. */
  edges: EdgeExplanation[];
}

/**
 * Explains the route of `serviceRef` (service id or DNS name) for client
 * region `regionId` at `now`. Throws E_CORE_UNKNOWN_SERVICE /
 * E_CORE_UNKNOWN_REGION for names the policy does not have.
 */
export function explain(policy: Policy, state: DecisionState, serviceRef: string, regionId: string, now: number): Explanation {
  const ctx = prepareDecision(compilePolicy(policy), state, now);
  const { idx } = ctx.compiled;
  const s = findService(ctx, serviceRef);
  const svc = idx.services[s]!;
  const r = idx.regionIndex.get(regionId);
  if (r === undefined) {
    throw new CoreError('E_CORE_UNKNOWN_REGION', `no region "${regionId}" in the policy (regions: ${idx.regions.map((x) => x.id).join(', ')})`);
  }
  const service = svc.service;
  const out = new Int32Array(idx.edges.length);
  const holder: { value?: HysteresisNote[] } = {};
  const route = computeRouteInto(ctx, s, r, out, holder);
  const ranked = Array.from(out.subarray(0, route.n));
  const fallback = route.fallback ?? [];
  const answerIdx = route.mode === 'ranked' ? ranked.slice(0, service.answers) : fallback;
  const ids = (list: number[]) => list.map((e) => idx.edges[e]!.id);
  const rtt = ctx.rtts[r]!;
  const entry = { mode: route.mode, answer: ids(answerIdx), ranked: ids(ranked) };
  const firstRtt = answerIdx[0] === undefined ? NaN : rtt[answerIdx[0]]!;
  const notes = holder.value ?? [];
  const edges: EdgeExplanation[] = [];
  const ordered = [...ranked, ...svc.edges.filter((e) => !ranked.includes(e))];
  // Fallback edges outside service.edges still deserve a line when answered.
  for (const e of fallback) if (!ordered.includes(e)) ordered.push(e);

  for (const e of ordered) {
    const edge = idx.edges[e]!;
    const verdict = ctx.verdicts[edge.id]!;
    const pos = ranked.indexOf(e);
    const link = ctx.grid[r * idx.edges.length + e];
    const x: EdgeExplanation = {
      edge: edge.id,
      region: edge.region,
      inRanking: pos >= 0,
      position: pos >= 0 ? pos + 1 : null,
      inAnswer: entry.answer.includes(edge.id),
      up: verdict.up,
      drained: edge.drain,
      weight: edge.weight,
      verdict: verdict.reason,
      reason: '',
    };
    const rv = rtt[e]!;
    if (rv === rv) x.rttMs = Math.round(rv * 100) / 100;
    if (link) {
      x.probe = { up: link.up, okStreak: link.okStreak, failStreak: link.failStreak, lastAt: link.lastAt, fresh: isFresh(link, now, policy.health.staleAfterMs) };
      if (link.lastReason) x.probe.lastFailure = link.lastDetail ? `${link.lastReason} (${link.lastDetail})` : link.lastReason;
    }
    x.reason = edgeReason(svc, x, notes, entry.mode, regionId);
    edges.push(x);
  }

  const result: Explanation = {
    service: service.id,
    name: service.name,
    region: regionId,
    at: now,
    steering: service.steering,
    mode: entry.mode,
    answer: entry.answer,
    ranked: entry.ranked,
    answers: service.answers,
    summary: summary(entry.mode, entry.answer, service.steering, service.failMode),
    edges,
  };
  if (firstRtt === firstRtt) result.rttMs = Math.round(firstRtt * 100) / 100;
  const first = notes.find((n) => n.position === 1 && !n.dropped) ?? notes.find((n) => n.position === 1);
  if (first) result.hysteresis = first;
  if (holder.value) result.hysteresisNotes = notes;
  return result;
}

/** Index of the service named by id or DNS name (case-insensitive, trailing dot optional). */
function findService(ctx: DecisionContext, ref: string): number {
  const { idx } = ctx.compiled;
  const byId = idx.serviceIndex.get(ref);
  if (byId !== undefined) return byId;
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');
  const byName = idx.services.findIndex((s) => norm(s.service.name) === norm(ref));
  if (byName >= 0) return byName;
  throw new CoreError('E_CORE_UNKNOWN_SERVICE', `no service "${ref}" in the policy (services: ${idx.services.map((s) => s.service.id).join(', ')})`);
}

function edgeReason(svc: IndexedService, x: EdgeExplanation, notes: readonly HysteresisNote[], mode: RouteMode, clientRegion: string): string {
  const service = svc.service;
  const answered = x.inAnswer ? 'answered' : `not answered (answers: ${service.answers})`;
  if (mode === 'fallback') {
    if (x.inAnswer) return `answered as fail-open fallback: ${x.drained ? 'drained' : x.up ? 'up' : x.verdict}`;
    return x.drained ? 'drained' : !x.up ? x.verdict : 'not in the fallback answer';
  }
  if (mode === 'closed' && !x.inRanking) return x.drained ? 'drained (fail-closed: nothing answered)' : `${x.verdict} (fail-closed: nothing answered)`;
  if (!x.inRanking) {
    if (x.drained) return 'drained';
    if (!x.up) return x.verdict;
    if (service.steering === 'weighted' && x.weight === 0) return 'weight 0: gets traffic only when every edge weighs 0';
    return 'not ranked';
  }
  const rtt = x.rttMs === undefined ? 'no RTT yet' : `RTT ${ms(x.rttMs)}`;
  if (service.steering === 'failover') {
    return `${x.position === 1 ? 'first healthy edge' : `#${x.position}`} in failover order; ${answered}`;
  }
  if (service.steering === 'weighted') return `weight ${x.weight}; ${answered}`;
  // Contested places (incumbent vs a different challenger), from hysteresis.
  const here = notes.find((n) => n.position === x.position && n.challenger !== undefined);
  const place = x.position === 1 ? '' : ` at #${x.position}`;
  if (here?.kept && here.current === x.edge) return `kept${place} by hysteresis: ${here.challenger} ${here.comparison}; ${answered}`;
  if (here && !here.kept && here.challenger === x.edge && x.rttMs !== undefined) {
    const beats = here.currentRttMs === undefined ? 'which has no RTT yet' : 'which it beats by the hysteresis margin';
    if (x.position === 1) return `fastest: ${rtt}; switched from ${here.current}, ${beats}; ${answered}`;
    return `${rtt}; took #${x.position} from ${here.current}, ${beats}; ${answered}`;
  }
  // The first place where this edge challenged and lost.
  const lost = notes.find((n) => n.kept && n.challenger === x.edge);
  if (lost) {
    if (lost.position === 1) return `${rtt}, fastest but not by the hysteresis margin; ${answered}`;
    return `${rtt}, faster than ${lost.current} (#${lost.position}) but not by the hysteresis margin; ${answered}`;
  }
  if (x.position === 1) {
    if (x.rttMs === undefined) return `no RTT yet from this region; first by ${x.region === clientRegion ? 'locality (edge in this region)' : 'policy order'}; ${answered}`;
    return `fastest: ${rtt}; ${answered}`;
  }
  if (x.rttMs === undefined) return `no RTT yet: ranked after measured edges; ${answered}`;
  return `${rtt}; ${answered}`;
}

function summary(mode: RouteMode, answer: string[], steering: string, failMode: string): string {
  switch (mode) {
    case 'ranked':
      return `${steering} steering answers ${answer.join(', ')}`;
    case 'fallback':
      return `no edge is up and undrained: fail-open answers the fallback set ${answer.join(', ')}`;
    default:
      return `no edge is up and undrained and failMode is ${failMode}: empty answer (NODATA)`;
  }
}
