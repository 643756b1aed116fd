/**
 * Ranking one service's edges for one client region, per steering mode, and
 * the hysteresis that keeps latency steering from flapping.
 *
 * Only edges that are up and not drained are ranked ("eligible").
 * - latency: by RTT from the region (see rtt.ts for the order of unmeasured
 *   edges); the current best stays first unless the challenger is faster by
 *   at least `hysteresisPct` % of the current RTT AND by `hysteresisMinMs`.
 *   When the current best is down, drained or no longer in the service, the
 *   ranking switches at once. Hysteresis holds the first place only; the
 *   rest of the ranking follows RTT.
 * - failover: `service.edges` order.
 * - weighted: weight descending, then policy order; weight-0 edges are left
 *   out unless every eligible edge weighs 0, in which case all are ranked in
 *   policy order (as Route53 treats an all-zero weighted set). DNS planes may
 *   pick among `ranked` by weight per query; the table itself stays
 *   deterministic and `answer` is the top `answers` of this order.
 *
 * Rankings are written into a caller-owned Int32Array (no allocation per
 * route on the hot path); functions return the ranking's length.
 */
import type { Service } from '@edgesteer/policy/neutral';
import type { IndexedService, PolicyIndex } from './policy-index.js';

/** What hysteresis did for one (service, region), for explain. */
export interface HysteresisNote {
  /** Best edge of the previous cycle. */
  current: string;
  /** Fastest eligible edge this cycle, when it differs from current. */
  challenger?: string;
  currentRttMs?: number;
  challengerRttMs?: number;
  /** True when the current best stayed first although the challenger ranks ahead by RTT. */
  kept: boolean;
  /** How the challenger compares, e.g. "is only 8% faster (40 ms vs 43.5 ms), needs 20%". */
  comparison?: string;
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

/** Writes the members of a service, in `order` (already eligible only), into `out`. */
export function filterMembersInto(out: Int32Array, order: ArrayLike<number>, svc: IndexedService): number {
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    if (svc.member[e] === 1) out[n++] = e;
  }
  return n;
}

/**
 * Applies latency hysteresis to a base ranking out[0..n) (eligible edges by
 * RTT): keeps `current` (the previous best edge index, -1 = none) first
 * unless shouldSwitch() says otherwise. `rtt` holds the region's RTTs (NaN =
 * unmeasured). With `note`, a HysteresisNote is stored in note.value
 * (explain only: it builds strings). Returns n.
 */
export function applyHysteresis(
  out: Int32Array,
  n: number,
  idx: PolicyIndex,
  svc: IndexedService,
  rtt: Float64Array,
  eligible: Uint8Array,
  current: number,
  note?: { value?: HysteresisNote },
): number {
  if (current < 0) return n;
  if (svc.member[current] !== 1 || eligible[current] !== 1) {
    if (note) {
      const id = idx.edges[current]!.id;
      const why = svc.member[current] !== 1 ? 'no longer serves this service' : idx.edges[current]!.drain ? 'is drained' : 'is down';
      note.value = { current: id, kept: false, why: `previous best ${id} ${why}: switched at once` };
    }
    return n;
  }
  const challenger = out[0]!;
  const rc = rtt[current]!;
  if (challenger === current) {
    if (note) note.value = { current: idx.edges[current]!.id, ...(rc === rc ? { currentRttMs: rc } : {}), kept: false, why: `${idx.edges[current]!.id} is still the fastest` };
    return n;
  }
  const rn = rtt[challenger]!;
  const keep = !shouldSwitch(svc.service, rc, rn);
  if (note) {
    const currentId = idx.edges[current]!.id;
    const challengerId = idx.edges[challenger]!.id;
    const comparison = describeComparison(svc.service, rc, rn);
    note.value = {
      current: currentId,
      challenger: challengerId,
      ...(rc === rc ? { currentRttMs: rc } : {}),
      ...(rn === rn ? { challengerRttMs: rn } : {}),
      kept: keep,
      comparison,
      why: keep ? `kept ${currentId}: ${challengerId} ${comparison}` : `switched from ${currentId}: ${challengerId} ${comparison}`,
    };
  }
  if (keep) {
    // Move the current best to the front; the rest keeps its RTT order.
    let p = 0;
    while (out[p] !== current) p++;
    out.copyWithin(1, 0, p);
    out[0] = current;
  }
  return n;
}

/**
 * Whether a challenger with RTT `rn` replaces a current best with RTT `rc`
 * (NaN = unmeasured). A measured edge beats an unmeasured one; an unmeasured
 * challenger never wins (no evidence); otherwise the challenger must be
 * strictly faster, by ≥ hysteresisPct % of rc and by ≥ hysteresisMinMs.
 */
export function shouldSwitch(service: Pick<Service, 'hysteresisPct' | 'hysteresisMinMs'>, rc: number, rn: number): boolean {
  if (rn !== rn) return false;
  if (rc !== rc) return true;
  const gain = rc - rn;
  return gain > 0 && gain * 100 >= service.hysteresisPct * rc && gain >= service.hysteresisMinMs;
}

/** Human comparison of challenger vs current, matching shouldSwitch(). */
export function describeComparison(service: Pick<Service, 'hysteresisPct' | 'hysteresisMinMs'>, rc: number, rn: number): string {
  if (rn !== rn) return 'has no RTT yet';
  if (rc !== rc) return `is measured (${ms(rn)}) and the current best is not`;
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
