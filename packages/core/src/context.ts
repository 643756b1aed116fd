/**
 * Everything one decision cycle derives before ranking, shared by decide()
 * and explain() so an explanation can never disagree with the table.
 */
import type { DecisionState, EdgeVerdict, LinkState, RouteMode } from './types.js';
import type { CompiledPolicy } from './compiled-policy.js';
import type { IndexedService } from './policy-index.js';
import { computeVerdicts, type LinkGrid } from './verdicts.js';
import { latencyOrder, regionRtts } from './rtt.js';
import { droppedNotes, fallbackAnswer, rankFailoverInto, rankLatencyInto, rankWeightedInto, standingOrderInto, weightOrder, type HysteresisNote } from './rank.js';

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
  /** Per region: each edge's place in that order (ineligible edges: after all), computed on first use. */
  orderPositions: Array<Int32Array | undefined>;
  /** Per service: number of eligible members, -1 until counted. */
  eligibleCounts: Int32Array;
  /** All edges by weight (computed on first use). */
  byWeight: Int32Array | undefined;
  /** Hysteresis memory of the previous cycle (see previousOrderOf()). */
  previousOrder: NonNullable<DecisionState['order']> | undefined;
  previousBest: DecisionState['best'];
  /** Scratch for rankLatencyInto() (all zero between routes), and the previous order as edge indexes. */
  placed: Uint8Array;
  prevIdx: Int32Array;
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
  return {
    compiled,
    now,
    links,
    grid,
    verdicts,
    eligible,
    up,
    rtts,
    orders: [],
    orderPositions: [],
    eligibleCounts: new Int32Array(idx.services.length).fill(-1),
    byWeight: undefined,
    previousOrder: state.order,
    previousBest: state.best ?? {},
    placed: new Uint8Array(E),
    prevIdx: new Int32Array(E),
  };
}

/** Outcome of routing one service for one region, as edge indexes. */
export interface RouteIndexes {
  mode: RouteMode;
  /** Length of the ranking written to `out` (0 unless mode is 'ranked'). */
  n: number;
  /** Fail-open answer (mode 'fallback'). */
  fallback: number[] | undefined;
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

/** Region r's place of every edge in eligibleOrder() (ineligible edges: edge count). */
export function orderPos(ctx: DecisionContext, r: number): Int32Array {
  let pos = ctx.orderPositions[r];
  if (!pos) {
    const order = eligibleOrder(ctx, r);
    pos = new Int32Array(ctx.eligible.length).fill(ctx.eligible.length);
    for (let i = 0; i < order.length; i++) pos[order[i]!] = i;
    ctx.orderPositions[r] = pos;
  }
  return pos;
}

/** How many edges of service s are eligible (counted on first use). */
export function eligibleMembers(ctx: DecisionContext, s: number): number {
  let count = ctx.eligibleCounts[s]!;
  if (count < 0) {
    count = 0;
    for (const e of ctx.compiled.idx.services[s]!.edges) count += ctx.eligible[e]!;
    ctx.eligibleCounts[s] = count;
  }
  return count;
}

/**
 * What is unchanged since the last decide() with this compiled policy
 * (set by decide()): failover and weighted rankings depend only on the
 * eligible set (compiled.baseMemo); a latency ranking only on the eligible
 * set, the region's RTTs and the previous order.
 */
export interface BaseValidity {
  eligibleSame: boolean;
  /** rttSame[r] = 1 when every RTT from region r is what it was. */
  rttSame: Uint8Array;
  /**
   * newcomers[s] = 1 when service s has an edge that is eligible now but
   * was not then: it is in none of the last decide()'s rankings, so no
   * previous order of the service can stand as it is.
   */
  newcomers: Uint8Array;
}

/**
 * The previous cycle's order for route slot `slot`: state.order, or for a
 * state saved before whole-ranking hysteresis, its best edge alone.
 */
function previousOrderOf(ctx: DecisionContext, slot: number): readonly string[] | undefined {
  const last = ctx.compiled.lastOrder;
  // The memory the last decide() returned: its entries by slot are at hand (no string-keyed lookup).
  if (last !== undefined && last.order === ctx.previousOrder) return last.bySlot[slot];
  const key = ctx.compiled.bestKeys[slot]!;
  if (ctx.previousOrder !== undefined) {
    const order = ctx.previousOrder[key];
    return Array.isArray(order) ? order : undefined; // a hand-edited state file must not break ranking
  }
  const best = ctx.previousBest[key];
  return typeof best === 'string' ? [best] : undefined;
}

/**
 * Routes service index `s` for region index `r`: the ranking goes to `out`
 * (length ≥ edge count). With `note`, hysteresis is described (explain):
 * every note, ordered by position. With `valid` (decide()), unchanged
 * rankings are taken from the memos of the last decide().
 */
export function computeRouteInto(ctx: DecisionContext, s: number, r: number, out: Int32Array, note?: { value?: HysteresisNote[] }, valid?: BaseValidity): RouteIndexes {
  const { compiled } = ctx;
  const { idx } = compiled;
  const svc: IndexedService = idx.services[s]!;
  const service = svc.service;
  const slot = s * idx.regions.length + r;
  let n: number;
  if (service.steering === 'failover' || service.steering === 'weighted') {
    // Orders from the policy: no hysteresis, a function of the eligible set alone.
    const cached = valid?.eligibleSame ? compiled.baseMemo[slot] : undefined;
    if (cached) {
      out.set(cached);
      n = cached.length;
    } else {
      if (service.steering === 'failover') n = rankFailoverInto(out, svc, ctx.eligible);
      else {
        ctx.byWeight ??= weightOrder(idx);
        n = rankWeightedInto(out, idx, svc, ctx.byWeight, ctx.eligible);
      }
      if (valid) compiled.baseMemo[slot] = take(out, n);
    }
  } else {
    const previousOrder = previousOrderOf(ctx, slot);
    const memo = compiled.routeMemo[slot];
    // The state holds what the last decide() remembered of this route: memo.edges is that ranking.
    const lastOutput = memo !== undefined && memo.mode === 'ranked' && previousOrder !== undefined && memo.remembered === previousOrder;
    if (lastOutput && valid !== undefined && valid.eligibleSame && valid.rttSame[r] === 1) {
      // Same eligible set, same RTTs, and the previous order is what the
      // last decide() ranked from them: ranking is idempotent on its own
      // output (every contest is decided again the same way, and the
      // unmeasured tail, not remembered, follows the same base order), so
      // that output stands.
      const edges = memo.edges;
      for (let i = 0; i < edges.length; i++) out[i] = edges[i]!;
      n = edges.length;
    } else {
      // Usually the previous order stands (minus edges no longer eligible); else rank.
      n = lastOutput && note === undefined && valid?.newcomers[s] !== 1 ? standingOrderInto(out, memo.edges, previousOrder.length, eligibleMembers(ctx, s), svc, ctx.eligible, orderPos(ctx, r), ctx.rtts[r]!) : -1;
      if (n < 0) {
        let prevLen = 0;
        if (previousOrder !== undefined) {
          prevLen = previousOrder.length;
          if (ctx.prevIdx.length < prevLen) ctx.prevIdx = new Int32Array(prevLen);
          if (lastOutput) {
            for (let i = 0; i < prevLen; i++) ctx.prevIdx[i] = memo.edges[i]!;
          } else {
            // A state from elsewhere (restored, another process or policy): resolve the ids.
            for (let i = 0; i < prevLen; i++) ctx.prevIdx[i] = idx.edgeIndex.get(previousOrder[i]!) ?? -1;
          }
        }
        const notes = note && previousOrder !== undefined ? droppedNotes(idx, svc, ctx.eligible, previousOrder) : undefined;
        n = rankLatencyInto(out, eligibleOrder(ctx, r), idx, svc, ctx.rtts[r]!, ctx.eligible, ctx.prevIdx, prevLen, ctx.placed, notes);
        if (note && notes) note.value = notes.sort((a, b) => a.position - b.position);
      }
    }
  }
  // One object shape for every result keeps the caller's property loads monomorphic.
  if (n > 0) return { mode: 'ranked', n, fallback: undefined };
  if (service.failMode === 'closed') return { mode: 'closed', n: 0, fallback: undefined };
  return { mode: 'fallback', n: 0, fallback: fallbackAnswer(idx, service, (e) => ctx.up[e] === 1) };
}

/** out[0..n) as a plain array. */
export function take(out: Int32Array, n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = out[i]!;
  return a;
}
