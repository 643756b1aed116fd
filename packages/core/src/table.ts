/**
 * decide(): one decision cycle from policy + state + clock to routing table.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState, RouteEntry, RoutingTable, ServiceRoutes } from './types.js';
import { compilePolicy, type CompiledPolicy, type RouteMemo, type ServiceMemo } from './compiled-policy.js';
import { computeRouteInto, eligibleOrder, prepareDecision, take, type BaseValidity, type DecisionContext, type RouteIndexes } from './context.js';
import { initialState } from './state.js';
import { combineHash, routeJson, serviceJson } from './table-hash.js';
import { sha256Hex } from './sha256.js';

/** Result of one decision cycle. */
export interface Decision {
  table: RoutingTable;
  /** State to pass to the next ingest()/decide(). */
  state: DecisionState;
}

/**
 * Computes the routing table at `now` (epoch ms; core never reads a clock).
 *
 * Pure and deterministic: the same policy, state and `now` give the same
 * table, bit for bit, in any process. Inputs are not mutated. The returned
 * state carries the verdicts (with their `since` and fail-static memory),
 * the hysteresis memory (best edge per latency-steered service and region)
 * and the table version, which increments only when the table hash changes.
 * Links of regions or edges no longer in the policy are dropped from it.
 *
 * Tables and states are values: route entries, their arrays and unchanged
 * service routes are frozen and shared with earlier tables, and the new
 * state shares unchanged links and verdicts with the old one (that is what
 * makes an unchanged cycle cheap). Copy before editing.
 *
 * Semantics (verdicts, ranking, hysteresis, fallback) are documented in
 * verdicts.ts, rank.ts and the package README.
 */
export function decide(policy: Policy, state: DecisionState, now: number): Decision {
  const compiled = compilePolicy(policy);
  const ctx = prepareDecision(compiled, state, now);
  const { idx } = compiled;
  const R = idx.regions.length;
  const valid = baseValidity(compiled, ctx);
  const out = new Int32Array(idx.edges.length);
  const services: Record<string, ServiceRoutes> = {};
  const digests: Record<string, string> = {};
  // Hysteresis memory: the previous object is reused when nothing moved.
  const bestIds = new Array<string | undefined>(idx.services.length * R);
  let bestChanged = false;
  let bestCount = 0;
  const entries = new Array<RouteEntry>(R);

  for (let s = 0; s < idx.services.length; s++) {
    const service = idx.services[s]!.service;
    if (services[service.id]) continue; // duplicate id: the validator reports it; first wins
    const prev = compiled.serviceMemo[s];
    let routingSame = prev !== undefined;
    let entriesSame = prev?.built !== undefined;
    const memos: RouteMemo[] = new Array<RouteMemo>(R);
    for (let r = 0; r < R; r++) {
      const res = computeRouteInto(ctx, s, r, out, undefined, valid);
      const slot = s * R + r;
      let m = compiled.routeMemo[slot];
      if (!m || !sameRoute(m, res, out)) {
        m = makeMemo(compiled, res, out, service.answers);
        compiled.routeMemo[slot] = m;
      }
      memos[r] = m;
      if (routingSame && prev!.routes[r] !== m) routingSame = false;
      const first = m.edges[0];
      const rtt = first === undefined ? NaN : ctx.rtts[r]![first]!;
      const rttMs = Math.round(rtt * 100) / 100; // 10 µs: more would be noise; NaN stays NaN
      if (!(m.entryRtt === rttMs || (rttMs !== rttMs && m.entryRtt !== m.entryRtt))) {
        m.entry = Object.freeze(entryOf(m, rttMs));
        m.entryRtt = rttMs;
      }
      if (entriesSame && prev!.builtEntries[r] !== m.entry) entriesSame = false;
      entries[r] = m.entry;
      if (service.steering === 'latency' && m.mode === 'ranked') {
        bestIds[s * R + r] = m.ranked[0]!;
        bestCount++;
        if (res.previousBest !== m.ranked[0]) bestChanged = true;
      }
    }
    let memo: ServiceMemo;
    if (routingSame) {
      memo = prev!;
    } else {
      const json = serviceJson(service, memos.map((m, r) => [idx.regions[r]!.id, m.json] as const));
      memo = { routes: memos, digest: sha256Hex(json), built: undefined, builtEntries: [] };
      compiled.serviceMemo[s] = memo;
    }
    if (!entriesSame || !memo.built) {
      const regions: Record<string, RouteEntry> = {};
      for (let r = 0; r < R; r++) regions[idx.regions[r]!.id] = entries[r]!;
      memo.builtEntries = entries.slice();
      memo.built = Object.freeze({ name: service.name, ttl: service.ttl, types: Object.freeze([...service.types]) as ServiceRoutes['types'], steering: service.steering, regions: Object.freeze(regions) });
    }
    services[service.id] = memo.built;
    digests[service.id] = memo.digest;
  }

  let best = state.best;
  const previousSize = compiled.lastBest?.best === state.best ? compiled.lastBest.size : Object.keys(state.best).length;
  if (bestChanged || bestCount !== previousSize) {
    best = {};
    for (let i = 0; i < bestIds.length; i++) if (bestIds[i] !== undefined) best[compiled.bestKeys[i]!] = bestIds[i]!;
  }
  compiled.lastBest = { best, size: bestCount };

  const edges: RoutingTable['edges'] = {};
  for (const e of idx.edges) if (!edges[e.id]) edges[e.id] = { up: ctx.verdicts[e.id]!.up, drain: e.drain };
  const hash = combineHash(compiled.policyHash, edges, digests);
  const version = hash === state.hash ? state.version : state.version + 1;
  return {
    table: { version, hash, policyHash: compiled.policyHash, generatedAt: now, services, edges },
    state: { links: ctx.links, verdicts: ctx.verdicts, best, version, hash },
  };
}

/**
 * The table with no observations at all: every edge assumed up, ranked by
 * the order used before measurements (edges in the client's region first,
 * then policy order). For a DNS plane running without a controller.
 */
export function tableForPolicy(policy: Policy, now: number): RoutingTable {
  return decide(policy, initialState(), now).table;
}

/** Compares this cycle's eligible set and orders with the last decide()'s, and records them. */
function baseValidity(compiled: CompiledPolicy, ctx: DecisionContext): BaseValidity {
  const R = compiled.idx.regions.length;
  const eligibleSame = compiled.lastEligible !== undefined && sameInts(compiled.lastEligible, ctx.eligible);
  const regionSame = new Uint8Array(R);
  for (let r = 0; r < R; r++) {
    const order = eligibleOrder(ctx, r);
    const last = compiled.lastOrders[r];
    regionSame[r] = last !== undefined && sameInts(last, order) ? 1 : 0;
    compiled.lastOrders[r] = order;
  }
  compiled.lastEligible = ctx.eligible;
  return { regionSame, eligibleSame };
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRoute(m: RouteMemo, res: RouteIndexes, out: Int32Array): boolean {
  if (m.mode !== res.mode) return false;
  const list = res.mode === 'fallback' ? res.fallback! : out;
  const n = res.mode === 'fallback' ? res.fallback!.length : res.n;
  if (m.edges.length !== n) return false;
  for (let i = 0; i < n; i++) if (m.edges[i] !== list[i]) return false;
  return true;
}

function makeMemo(compiled: CompiledPolicy, res: RouteIndexes, out: Int32Array, answers: number): RouteMemo {
  const ids = compiled.idx.edges;
  const edges = res.mode === 'fallback' ? res.fallback! : take(out, res.n);
  const names = new Array<string>(edges.length);
  for (let i = 0; i < edges.length; i++) names[i] = ids[edges[i]!]!.id;
  const ranked = res.mode === 'ranked' ? names : [];
  const answer = res.mode === 'ranked' ? names.slice(0, answers) : res.mode === 'fallback' ? names : [];
  // Serialise before freezing: JSON.stringify's fast path skips frozen arrays.
  const json = routeJson({ answer, mode: res.mode, ranked });
  Object.freeze(ranked);
  Object.freeze(answer);
  const m: RouteMemo = { mode: res.mode, answer, ranked, edges, json, entry: undefined as unknown as RouteEntry, entryRtt: NaN };
  m.entry = Object.freeze(entryOf(m, NaN));
  return m;
}

function entryOf(m: RouteMemo, rttMs: number): RouteEntry {
  // Typed as mutable arrays by RouteEntry; frozen at run time (tables are values).
  const entry: RouteEntry = { answer: m.answer as string[], ranked: m.ranked as string[], mode: m.mode };
  if (rttMs === rttMs) entry.rttMs = rttMs;
  return entry;
}
