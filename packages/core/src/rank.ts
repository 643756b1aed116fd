/**
 * Ranking one service's edges for one client region, per steering mode, and
 * the hysteresis that keeps latency steering from flapping.
 *
 * Only edges that are up and not drained are ranked ("eligible").
 * - latency: by RTT from the region (see rtt.ts for the order of unmeasured
 *   edges), made sticky position by position against the previous cycle's
 *   order (rankLatencyInto): at each place the incumbent (the next edge of
 *   the previous order that is still eligible) keeps it unless the fastest
 *   remaining edge beats it by `hysteresisPct` % AND `hysteresisMinMs`. An
 *   incumbent that went down, was drained or left the service drops out at
 *   once; edges not in the previous order only ever challenge. (decide()
 *   remembers only the measured part of a ranking: table.ts
 *   rememberedOrder().)
 * - failover: `service.edges` order.
 * - weighted: weight descending, then policy order; weight-0 edges are left
 *   out unless every eligible edge weighs 0, in which case all are ranked in
 *   policy order (as Route53 treats an all-zero weighted set). DNS planes may
 *   pick among `ranked` by weight per query; the table itself stays
 *   deterministic and `answer` is the top `answers` of this order.
 *   Failover and weighted orders come from the policy: no hysteresis.
 *
 * Rankings are written into a caller-owned Int32Array (no allocation per
 * route on the hot path); functions return the ranking's length.
 */
import type { Service } from '@edgesteer/policy/neutral';
import type { IndexedService, PolicyIndex } from './policy-index.js';

/**
 * What hysteresis did at one ranking position (for explain). Two kinds:
 * a comparison (incumbent vs challenger; `challenger` is absent when the
 * incumbent is itself the fastest remaining edge), and a drop (`dropped`:
 * an edge of the previous order that is no longer eligible, at the
 * position it held).
 */
export interface HysteresisNote {
  /** 1-based ranking position. */
  position: number;
  /** The incumbent: the edge that held this place, or moved up to it from the previous order. */
  current: string;
  /** The fastest remaining eligible edge, when it is not the incumbent. */
  challenger?: string;
  currentRttMs?: number;
  challengerRttMs?: number;
  /** True when the incumbent kept the place although the challenger is faster by RTT. */
  kept: boolean;
  /** How the challenger compares, e.g. "is only 8% faster (40 ms vs 43.5 ms), needs 20%". */
  comparison?: string;
  /** Set on drop notes: why the previous edge left the ranking. */
  dropped?: 'down' | 'drained' | 'not in the service';
  /** Human sentence. */
  why: string;
}

/** Writes the eligible members of a service, in `order`, into `out`. */
export function filterOrderInto(out: Int32Array, order: ArrayLike<number>, svc: IndexedService, eligible: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    if (svc.member[e] === 1 && eligible[e] === 1) out[n++] = e;
  }
  return n;
}

/**
 * Latency ranking with hysteresis over the whole order, written to `out`.
 * `order` holds the region's eligible edges by RTT (rtt.ts: measured ones
 * ascending, then unmeasured ones, local first); `prev[0..prevLen)` the
 * previous cycle's order as edge indexes (-1 = an id no longer in the
 * policy). Position by position, the challenger is the first edge of
 * `order` serving the service and not yet placed (the fastest remaining),
 * the incumbent the next edge of `prev` that is still an eligible member
 * and not yet placed; the challenger takes the place only when
 * shouldSwitch() says so, else the incumbent keeps it. So an incumbent
 * that went down or was drained drops out at once (the rest move up), edges
 * missing from `prev` only challenge, and once the incumbents run out the
 * rest follows `order`. `placed` is scratch of edge-count length, all zero
 * on entry and on return. With `notes`, one note per contested position
 * (and always one for position 1 when it has an incumbent) is appended
 * (explain only: it builds strings). Returns the ranking's length.
 */
export function rankLatencyInto(
  out: Int32Array,
  order: Int32Array,
  idx: PolicyIndex,
  svc: IndexedService,
  rtt: Float64Array,
  eligible: Uint8Array,
  prev: Int32Array,
  prevLen: number,
  placed: Uint8Array,
  notes?: HysteresisNote[],
): number {
  const member = svc.member;
  const m = order.length;
  let n = 0;
  let pi = 0;
  let oi = 0;
  for (;;) {
    while (oi < m && (member[order[oi]!] !== 1 || placed[order[oi]!] === 1)) oi++;
    if (oi === m) break; // every eligible member is placed (incumbents are eligible members too)
    const challenger = order[oi]!;
    let incumbent = -1;
    for (; pi < prevLen; pi++) {
      const e = prev[pi]!;
      if (e >= 0 && member[e] === 1 && eligible[e] === 1 && placed[e] === 0) {
        incumbent = e;
        break;
      }
    }
    let pick = challenger;
    if (incumbent >= 0 && incumbent !== challenger && !shouldSwitch(svc.service, rtt[incumbent]!, rtt[challenger]!)) pick = incumbent;
    if (notes && incumbent >= 0 && (incumbent !== challenger || n === 0)) notes.push(positionNote(idx, svc.service, n + 1, incumbent, challenger, rtt, pick === incumbent));
    out[n++] = pick;
    placed[pick] = 1;
  }
  for (let i = 0; i < n; i++) placed[out[i]!] = 0;
  return n;
}

/**
 * rankLatencyInto() for the common case, in one backward pass over the
 * previous order instead of a ranking: when no edge is new to it
 * (`prev[0..prevLen)`, which must not repeat an edge, holds every one of the service's
 * `eligibleMembers` eligible members once the edges no longer eligible are
 * dropped) and no remaining edge is beaten by the margin by the fastest
 * edge behind it (`pos[e]` is e's place in the region's latency order),
 * the result is `prev` without the dropped edges: that is written to `out`
 * and its length returned. Otherwise returns -1 and writes nothing; the
 * caller ranks. This is the steady state of a settled fleet: RTTs move by
 * noise and nobody clears the margin.
 */
export function standingOrderInto(out: Int32Array, prev: readonly number[], prevLen: number, eligibleMembers: number, svc: IndexedService, eligible: Uint8Array, pos: Int32Array, rtt: Float64Array): number {
  const member = svc.member;
  let kept = 0;
  let fastest = -1; // fastest edge (first in latency order) kept behind position i
  for (let i = prevLen - 1; i >= 0; i--) {
    const e = prev[i]!;
    if (member[e] !== 1 || eligible[e] !== 1) continue; // dropped at once
    kept++;
    if (fastest >= 0 && pos[fastest]! < pos[e]!) {
      if (shouldSwitch(svc.service, rtt[e]!, rtt[fastest]!)) return -1;
    } else fastest = e;
  }
  if (kept === 0 || kept !== eligibleMembers) return -1;
  let n = 0;
  for (let i = 0; i < prevLen; i++) {
    const e = prev[i]!;
    if (member[e] === 1 && eligible[e] === 1) out[n++] = e;
  }
  return n;
}

/**
 * Drop notes for explain: the edges of the previous order (ids) that are no
 * longer eligible members of the service, at the places they held.
 */
export function droppedNotes(idx: PolicyIndex, svc: IndexedService, eligible: Uint8Array, prevIds: readonly string[]): HysteresisNote[] {
  const notes: HysteresisNote[] = [];
  prevIds.forEach((id, i) => {
    const e = idx.edgeIndex.get(id);
    if (e !== undefined && svc.member[e] === 1 && eligible[e] === 1) return;
    const dropped = e === undefined || svc.member[e] !== 1 ? 'not in the service' : idx.edges[e]!.drain ? 'drained' : 'down';
    const what = dropped === 'not in the service' ? 'no longer serves this service' : `is ${dropped}`;
    const place = i === 0 ? 'previous best' : `previous #${i + 1}`;
    notes.push({ position: i + 1, current: id, kept: false, dropped, why: `${place} ${id} ${what}: dropped at once` });
  });
  return notes;
}

function positionNote(idx: PolicyIndex, service: Service, position: number, incumbent: number, challenger: number, rtt: Float64Array, kept: boolean): HysteresisNote {
  const currentId = idx.edges[incumbent]!.id;
  const rc = rtt[incumbent]!;
  const at = position === 1 ? '' : ` at #${position}`;
  if (incumbent === challenger) {
    return { position, current: currentId, ...(rc === rc ? { currentRttMs: rc } : {}), kept: false, why: `${currentId} is still the fastest${at}` };
  }
  const challengerId = idx.edges[challenger]!.id;
  const rn = rtt[challenger]!;
  const comparison = describeComparison(service, rc, rn);
  return {
    position,
    current: currentId,
    challenger: challengerId,
    ...(rc === rc ? { currentRttMs: rc } : {}),
    ...(rn === rn ? { challengerRttMs: rn } : {}),
    kept,
    comparison,
    why: kept ? `kept ${currentId}${at}: ${challengerId} ${comparison}` : `switched from ${currentId}${at}: ${challengerId} ${comparison}`,
  };
}

/**
 * Whether a challenger with RTT `rn` replaces an incumbent with RTT `rc`
 * (NaN = unmeasured). A measured challenger beats an unmeasured incumbent;
 * when neither is measured the order before measurement (locality, then
 * policy order) decides, so the challenger, which comes first in it, wins:
 * there is no noise to damp. An unmeasured challenger never beats a measured
 * incumbent (no evidence). Otherwise the challenger must be strictly
 * faster, by ≥ hysteresisPct % of rc and by ≥ hysteresisMinMs.
 */
export function shouldSwitch(service: Pick<Service, 'hysteresisPct' | 'hysteresisMinMs'>, rc: number, rn: number): boolean {
  if (rc !== rc) return true;
  if (rn !== rn) return false;
  const gain = rc - rn;
  return gain > 0 && gain * 100 >= service.hysteresisPct * rc && gain >= service.hysteresisMinMs;
}

/** Human comparison of challenger vs current, matching shouldSwitch(). */
export function describeComparison(service: Pick<Service, 'hysteresisPct' | 'hysteresisMinMs'>, rc: number, rn: number): string {
  if (rc !== rc) return rn !== rn ? 'comes first in the order before measurement (locality, then policy order)' : `is measured (${ms(rn)}) and the incumbent is not`;
  if (rn !== rn) return 'has no RTT yet';
  const gain = rc - rn;
  const pct = rc > 0 ? (gain / rc) * 100 : 0;
  const vs = `(${ms(rn)} vs ${ms(rc)})`;
  if (gain <= 0) return `is not faster ${vs}`;
  if (gain * 100 < service.hysteresisPct * rc) return `is only ${formatPct(pct)} faster ${vs}, needs ${formatPct(service.hysteresisPct)}`;
  if (gain < service.hysteresisMinMs) return `is only ${ms(gain)} faster ${vs}, needs ${ms(service.hysteresisMinMs)}`;
  return `is ${formatPct(pct)} faster ${vs}, beyond the ${formatPct(service.hysteresisPct)} / ${ms(service.hysteresisMinMs)} margin`;
}

/** Failover ranking: eligible edges in service order. */
export function rankFailoverInto(out: Int32Array, svc: IndexedService, eligible: Uint8Array): number {
  return filterOrderInto(out, svc.edges, svc, eligible);
}

/** All edge indexes by weight descending, then policy order. */
export function weightOrder(idx: PolicyIndex): Int32Array {
  return Int32Array.from(idx.edges.map((_, i) => i).sort((a, b) => idx.edges[b]!.weight - idx.edges[a]!.weight || a - b));
}

/** Weighted ranking (see module comment) into `out`. */
export function rankWeightedInto(out: Int32Array, idx: PolicyIndex, svc: IndexedService, byWeight: Int32Array, eligible: Uint8Array): number {
  const n = filterOrderInto(out, byWeight, svc, eligible);
  let positive = 0;
  for (let i = 0; i < n; i++) if (idx.edges[out[i]!]!.weight > 0) out[positive++] = out[i]!;
  if (positive > 0) return positive;
  // Every eligible edge weighs 0: rank them all, in policy order.
  return filterOrderInto(out, Int32Array.from(idx.edges.keys()), svc, eligible);
}

/**
 * Fail-open answer when nothing is eligible: the service's fallback list (or
 * all its edges when the list is empty), undrained ones only unless all are
 * drained, edges that are up before those that are down (stable), first
 * `answers` of them.
 */
export function fallbackAnswer(idx: PolicyIndex, service: Service, up: (e: number) => boolean): number[] {
  const ids = service.fallback.length > 0 ? service.fallback : service.edges;
  const set: number[] = [];
  for (const id of ids) {
    const e = idx.edgeIndex.get(id);
    if (e !== undefined && !set.includes(e)) set.push(e);
  }
  const undrained = set.filter((e) => !idx.edges[e]!.drain);
  const pool = undrained.length > 0 ? undrained : set;
  const ordered = [...pool.filter(up), ...pool.filter((e) => !up(e))];
  return ordered.slice(0, service.answers);
}

/** "12.3 ms". */
export function ms(v: number): string {
  return `${Math.round(v * 10) / 10} ms`;
}

function formatPct(v: number): string {
  return `${Math.round(v * 10) / 10}%`;
}
