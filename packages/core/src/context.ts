/**
 * Everything one decision cycle derives before ranking, shared by decide()
 * and explain() so an explanation can never disagree with the table.
 */
import type { DecisionState, EdgeVerdict, LinkState, RouteMode } from './types.js';
import type { CompiledPolicy } from './compiled-policy.js';
import type { IndexedService } from './policy-index.js';
import { computeVerdicts, type LinkGrid } from './verdicts.js';
import { latencyOrder, regionRtts } from './rtt.js';
import { applyHysteresis, fallbackAnswer, filterMembersInto, rankFailoverInto, rankWeightedInto, weightOrder, type HysteresisNote } from './rank.js';

/** Derived data of one cycle. */
export interface DecisionContext {
  compiled: CompiledPolicy;
  now: number;
  /** Links of policy regions and edges only. */
  links: DecisionState['links'];
  grid: LinkGrid;
  verdicts: Record<string, EdgeVerdict>;
  /** eligible[e] = 1 when edge e is up and not drained. */
  eligible: Uint8Array;
  /** up[e] = 1 when edge e's verdict is up. */
  up: Uint8Array;
  /** Per region: RTT of every edge (NaN = unmeasured). */
  rtts: Float64Array[];
  /** Per region: latency order of the eligible edges (computed on first use, see eligibleOrder()). */
  orders: Array<Int32Array | undefined>;
  /** All edges by weight (computed on first use). */
  byWeight: Int32Array | undefined;
  /** Hysteresis memory of the previous cycle. */
  previousBest: DecisionState['best'];
}

/** Derives the cycle's link grid, verdicts and RTTs from the state. */
export function prepareDecision(compiled: CompiledPolicy, state: DecisionState, now: number): DecisionContext {
  const { idx } = compiled;
  const R = idx.regions.length;
  const E = idx.edges.length;
  const grid = new Array<LinkState | undefined>(R * E);
  let found = 0;
  for (let i = 0; i < R * E; i++) {
    const link = state.links[compiled.linkKeys[i]!];
    grid[i] = link;
    if (link) found++;
  }
  let total = 0;
  for (const _ in state.links) total++;
  // Links of regions or edges gone from the policy are dropped from the state.
  let links = state.links;
  if (total !== found) {
    links = {};
    for (let i = 0; i < R * E; i++) if (grid[i]) links[compiled.linkKeys[i]!] = grid[i]!;
  }
  const verdicts = computeVerdicts(idx, grid, state.verdicts, now);
  const eligible = new Uint8Array(E);
  const up = new Uint8Array(E);
  for (let e = 0; e < E; e++) {
    up[e] = verdicts[idx.edges[e]!.id]!.up ? 1 : 0;
    eligible[e] = up[e] === 1 && !idx.edges[e]!.drain ? 1 : 0;
  }
  const rtts = idx.regions.map((_, r) => regionRtts(idx, grid, r));
  return { compiled, now, links, grid, verdicts, eligible, up, rtts, orders: [], byWeight: undefined, previousBest: state.best };
}

/** Outcome of routing one service for one region, as edge indexes. */
export interface RouteIndexes {
  mode: RouteMode;
  /** Length of the ranking written to `out` (0 unless mode is 'ranked'). */
  n: number;
  /** Fail-open answer (mode 'fallback'). */
  fallback: number[] | undefined;
  /** Latency steering: the previous best edge id from the state's hysteresis memory. */
  previousBest: string | undefined;
}

/** Region r's latency order restricted to eligible edges (computed on first use). */
export function eligibleOrder(ctx: DecisionContext, r: number): Int32Array {
  let order = ctx.orders[r];
  if (!order) {
    const all = latencyOrder(ctx.compiled.idx, r, ctx.rtts[r]!);
    order = all.filter((e) => ctx.eligible[e] === 1);
    ctx.orders[r] = order;
  }
  return order;
}

/**
 * Which cached base rankings (compiled.baseMemo) are still valid this
 * cycle: a latency base depends only on the region's eligible order, a
 * failover or weighted one only on the eligible set. Set by decide().
 */
export interface BaseValidity {
  regionSame: Uint8Array;
  eligibleSame: boolean;
}

/**
 * Routes service index `s` for region index `r`: the ranking goes to `out`
 * (length ≥ edge count). With `note`, hysteresis is described (explain).
 * With `valid`, base rankings are taken from / stored in compiled.baseMemo.
 */
export function computeRouteInto(ctx: DecisionContext, s: number, r: number, out: Int32Array, note?: { value?: HysteresisNote }, valid?: BaseValidity): RouteIndexes {
  const { compiled } = ctx;
  const { idx } = compiled;
  const svc: IndexedService = idx.services[s]!;
  const service = svc.service;
  const latency = service.steering !== 'failover' && service.steering !== 'weighted';
  const slot = s * idx.regions.length + r;

  // Base ranking: eligible edges in steering order, before hysteresis.
  let n: number;
  const cached = valid && (latency ? valid.regionSame[r] === 1 : valid.eligibleSame) ? compiled.baseMemo[slot] : undefined;
  if (cached) {
    out.set(cached);
    n = cached.length;
  } else {
    if (service.steering === 'failover') n = rankFailoverInto(out, svc, ctx.eligible);
    else if (service.steering === 'weighted') {
      ctx.byWeight ??= weightOrder(idx);
      n = rankWeightedInto(out, idx, svc, ctx.byWeight, ctx.eligible);
    } else n = filterMembersInto(out, eligibleOrder(ctx, r), svc);
    if (valid) compiled.baseMemo[slot] = take(out, n);
  }

  let previousBest: string | undefined;
  if (latency) {
    previousBest = ctx.previousBest[compiled.bestKeys[slot]!];
    const current = previousBest === undefined ? -1 : (idx.edgeIndex.get(previousBest) ?? -1);
    n = applyHysteresis(out, n, idx, svc, ctx.rtts[r]!, ctx.eligible, current, note);
  }
  // One object shape for every result keeps the caller's property loads monomorphic.
  if (n > 0) return { mode: 'ranked', n, fallback: undefined, previousBest };
  if (service.failMode === 'closed') return { mode: 'closed', n: 0, fallback: undefined, previousBest };
  return { mode: 'fallback', n: 0, fallback: fallbackAnswer(idx, service, (e) => ctx.up[e] === 1), previousBest };
}

/** out[0..n) as a plain array. */
export function take(out: Int32Array, n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = out[i]!;
  return a;
}
