/**
 * decide(): one decision cycle from policy + state + clock to routing table.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState, RouteEntry, RoutingTable, ServiceRoutes } from './types.js';
import { compilePolicy, type CompiledPolicy, type OrderMemory, type RouteMemo, type ServiceMemo } from './compiled-policy.js';
import { computeRouteInto, prepareDecision, take, type BaseValidity, type DecisionContext, type RouteIndexes } from './context.js';
import { initialState } from './state.js';
import { combineHash } from './table-hash.js';
import { sha256Hex, sha256HexOf, utf8 } from './sha256.js';

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
 * the hysteresis memory (the measured part of each latency ranking)
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
  // Hysteresis memory by route slot (latency-steered, ranked routes only).
  const orders = new Array<readonly string[] | undefined>(idx.services.length * R);
  const firsts = new Array<string | undefined>(idx.services.length * R);
  const entries = new Array<RouteEntry>(R);

  for (let s = 0; s < idx.services.length; s++) {
    const service = idx.services[s]!.service;
    if (services[service.id]) continue; // duplicate id: the validator reports it; first wins
    const prev = compiled.serviceMemo[s];
    let routingSame = prev !== undefined;
    const memos: RouteMemo[] = new Array<RouteMemo>(R);
    for (let r = 0; r < R; r++) {
      const res = computeRouteInto(ctx, s, r, out, undefined, valid);
      const slot = s * R + r;
      let m = compiled.routeMemo[slot];
      if (!m || !sameRoute(m, res, out)) {
        // The route before last comes back when an edge flaps: reuse it.
        const alt = compiled.routeMemoAlt[slot];
        compiled.routeMemoAlt[slot] = m;
        m = alt !== undefined && sameRoute(alt, res, out) ? alt : makeMemo(compiled, res, out, service.answers);
        compiled.routeMemo[slot] = m;
      } else {
        // Settled: let the route before last go. Kept, a fleet's worth of dead
        // memos (say from the assume-up table) would make every GC slower.
        compiled.routeMemoAlt[slot] = undefined;
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
      entries[r] = m.entry;
      if (service.steering === 'latency' && m.mode === 'ranked') {
        orders[slot] = rememberedOrder(m, ctx.rtts[r]!);
        firsts[slot] = m.ranked[0];
      }
    }
    let memo: ServiceMemo;
    if (routingSame) {
      memo = prev!;
      compiled.serviceMemoAlt[s] = undefined;
    } else {
      // As for routes: the service's routing before last (an edge flapping back) keeps its digest.
      const alt = compiled.serviceMemoAlt[s];
      memo = alt !== undefined && sameItems(alt.routes, memos) ? alt : { routes: memos, digest: serviceDigestOf(compiled, s, memos), built: undefined, builtEntries: [] };
      compiled.serviceMemoAlt[s] = prev;
      compiled.serviceMemo[s] = memo;
    }
    if (!memo.built || !sameItems(memo.builtEntries, entries)) {
      const regions: Record<string, RouteEntry> = {};
      for (let r = 0; r < R; r++) regions[idx.regions[r]!.id] = entries[r]!;
      memo.builtEntries = entries.slice();
      memo.built = Object.freeze({ name: service.name, ttl: service.ttl, types: Object.freeze([...service.types]) as ServiceRoutes['types'], steering: service.steering, regions: Object.freeze(regions) });
    }
    services[service.id] = memo.built;
    digests[service.id] = memo.digest;
  }

  const memory = orderMemory(compiled, state, orders, firsts);
  const edges: RoutingTable['edges'] = {};
  for (const e of idx.edges) if (!edges[e.id]) edges[e.id] = { up: ctx.verdicts[e.id]!.up, drain: e.drain };
  const hash = combineHash(compiled.policyHash, edges, digests);
  const version = hash === state.hash ? state.version : state.version + 1;
  return {
    table: { version, hash, policyHash: compiled.policyHash, generatedAt: now, services, edges },
    state: { links: ctx.links, verdicts: ctx.verdicts, order: memory.order, best: memory.best, version, hash },
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

/**
 * What a ranked latency route leaves in `state.order`: the measured part of
 * its ranking (measured edges always rank before unmeasured ones, so it is
 * a prefix). An order guessed before measurements (locality, policy order)
 * must not be held by hysteresis once RTTs arrive. Cached on the memo, so
 * an unchanged route keeps the same array (and the state its object).
 */
function rememberedOrder(m: RouteMemo, rtt: Float64Array): readonly string[] {
  const edges = m.edges;
  const n = edges.length;
  let k = n;
  const last = rtt[edges[n - 1]!]!;
  if (last !== last) {
    k = 0;
    while (k < n && rtt[edges[k]!] === rtt[edges[k]!]) k++;
  }
  if (m.remembered === undefined || m.remembered.length !== k) m.remembered = k === n ? m.ranked : Object.freeze(m.ranked.slice(0, k));
  return m.remembered;
}

/**
 * The state's hysteresis memory for this cycle: `order` from the remembered
 * orders by slot, `best` from the first edges of the rankings. The objects
 * are values shared between states: the previous ones are returned when
 * nothing moved, and so are the ones before them when the routes went back
 * to those (an edge flapping).
 */
function orderMemory(compiled: CompiledPolicy, state: DecisionState, orders: ReadonlyArray<readonly string[] | undefined>, firsts: ReadonlyArray<string | undefined>): OrderMemory {
  const last = compiled.lastOrder;
  if (last !== undefined && last.order === state.order && last.best === state.best && sameItems(last.bySlot, orders) && sameItems(last.firsts, firsts)) {
    compiled.lastOrderAlt = undefined;
    return last;
  }
  const alt = compiled.lastOrderAlt;
  let memory: OrderMemory;
  if (alt !== undefined && sameItems(alt.bySlot, orders) && sameItems(alt.firsts, firsts)) {
    memory = alt;
  } else {
    const order: Record<string, readonly string[]> = {};
    for (let i = 0; i < orders.length; i++) if (orders[i] !== undefined) order[compiled.bestKeys[i]!] = orders[i]!;
    // best changes far less often than order: keep the last object when every first place stayed.
    let best: Record<string, string>;
    if (last !== undefined && last.best === state.best && sameItems(last.firsts, firsts)) {
      best = last.best;
    } else {
      best = {};
      for (let i = 0; i < firsts.length; i++) if (firsts[i] !== undefined) best[compiled.bestKeys[i]!] = firsts[i]!;
    }
    memory = { order, best, bySlot: orders, firsts };
  }
  compiled.lastOrderAlt = last;
  compiled.lastOrder = memory;
  return memory;
}

/** Compares this cycle's eligible set and RTTs with the last decide()'s, and records them. */
function baseValidity(compiled: CompiledPolicy, ctx: DecisionContext): BaseValidity {
  const R = compiled.idx.regions.length;
  const last = compiled.lastEligible;
  const eligibleSame = last !== undefined && sameInts(last, ctx.eligible);
  const newcomers = new Uint8Array(compiled.idx.services.length);
  if (last !== undefined && !eligibleSame) {
    for (let e = 0; e < ctx.eligible.length; e++) {
      if (ctx.eligible[e] !== 1 || last[e] === 1) continue;
      compiled.idx.services.forEach((svc, s) => {
        if (svc.member[e] === 1) newcomers[s] = 1;
      });
    }
  }
  const rttSame = new Uint8Array(R);
  for (let r = 0; r < R; r++) {
    const last = compiled.lastRtts[r];
    rttSame[r] = last !== undefined && sameRtts(last, ctx.rtts[r]!) ? 1 : 0;
    compiled.lastRtts[r] = ctx.rtts[r]!;
  }
  compiled.lastEligible = ctx.eligible;
  return { eligibleSame, rttSame, newcomers };
}

/** Element-wise equal, NaN equal to NaN (unmeasured stays unmeasured). */
function sameRtts(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

/** Same length and the same items by identity. */
function sameItems<T>(a: ReadonlyArray<T | undefined>, b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
  // Per-route digest: a changed route costs one hash of its own few hundred
  // bytes, and its service re-hashes 64 hex digits per region, not every route's JSON.
  const digestJson = utf8('"' + sha256Hex('{"answer":' + idList(compiled, answer) + ',"mode":"' + res.mode + '","ranked":' + idList(compiled, ranked) + '}') + '"');
  Object.freeze(ranked);
  Object.freeze(answer);
  const m: RouteMemo = { mode: res.mode, answer, ranked, edges, digestJson, entry: undefined as unknown as RouteEntry, entryRtt: NaN, remembered: undefined };
  m.entry = Object.freeze(entryOf(m, NaN));
  return m;
}

/** JSON text of a list of edge ids (what JSON.stringify writes, built in one join when ids need no escaping). */
function idList(compiled: CompiledPolicy, names: readonly string[]): string {
  if (names.length === 0) return '[]';
  return compiled.plainEdgeIds ? '["' + names.join('","') + '"]' : JSON.stringify(names);
}

/** Reused buffer for serviceDigestOf() (decide() is synchronous: never shared). */
let serviceBuf = new Uint8Array(64 * 1024);

/**
 * sha256Hex(serviceJson(...)) of service s's memoised routes (table-hash.ts
 * defines it), assembled from UTF-8 pieces kept with the compiled policy and
 * the route memos: no string building or re-encoding per changed service.
 */
function serviceDigestOf(compiled: CompiledPolicy, s: number, memos: RouteMemo[]): string {
  const head = compiled.serviceHeads[s]!;
  const tail = compiled.serviceTails[s]!;
  const order = compiled.regionsByKey;
  let size = head.length + tail.length + order.length;
  for (let i = 0; i < order.length; i++) size += compiled.regionKeys[order[i]!]!.length + memos[order[i]!]!.digestJson.length;
  if (serviceBuf.length < size) serviceBuf = new Uint8Array(Math.max(size, serviceBuf.length * 2));
  const buf = serviceBuf;
  buf.set(head, 0);
  let n = head.length;
  for (let i = 0; i < order.length; i++) {
    if (i > 0) buf[n++] = 0x2c; // ','
    const key = compiled.regionKeys[order[i]!]!;
    buf.set(key, n);
    n += key.length;
    const route = memos[order[i]!]!.digestJson;
    buf.set(route, n);
    n += route.length;
  }
  buf.set(tail, n);
  n += tail.length;
  return sha256HexOf(buf, n);
}

function entryOf(m: RouteMemo, rttMs: number): RouteEntry {
  // Typed as mutable arrays by RouteEntry; frozen at run time (tables are values).
  const entry: RouteEntry = { answer: m.answer as string[], ranked: m.ranked as string[], mode: m.mode };
  if (rttMs === rttMs) entry.rttMs = rttMs;
  return entry;
}
