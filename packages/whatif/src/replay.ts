/**
 * Replay: recorded observations through core's decide(), in time order, on
 * the recording's own clock (observation times, a decision every `tickMs`,
 * like the controller's tick), under any policy. Reports what that policy
 * would have done: every answer change with its time, per edge how long
 * failing over and back took, answer changes per minute, and how long a
 * region was answered an edge that was dead at the time.
 *
 * Pure and deterministic: the same observations and policy give the same
 * result, whatever their order in the file (they are applied in core's
 * order: by time, then region, edge, content).
 *
 * Speed: a replay owns its decision state, so it folds observations into
 * its links in place with core's own applyObservation() instead of
 * copying the link map per batch as ingest() must; everything else is
 * decide() itself. Observations are streamed (`push`), never all held.
 */
import { applyObservation, decide, freezePolicy, initialState, sortObservations, type DecisionState, type LinkState, type Observation, type RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';

/** Options of a replay. */
export interface ReplayOptions {
  /** Decision interval on the recording's clock. Default 1000 ms (the controller's default tick). */
  tickMs?: number;
}

/** One answer change of one (service, client region). */
export interface ReplayAnswerChange {
  at: number;
  service: string;
  region: string;
  from: readonly string[];
  to: readonly string[];
  mode: string;
}

/** One time an edge was judged down, and when it came back. */
export interface ReplayOutage {
  edge: string;
  /** Earliest start of a failure streak that was still going when the edge went down. */
  failStart: number;
  /** Decision time the edge was first judged down (left every answer). */
  downAt: number;
  /** Earliest start of a success streak, among the links that had failed, still going when it came back. */
  okStart?: number;
  /** Decision time the edge was judged up again; absent when the replay ended first. */
  upAt?: number;
}

/** What a policy would have done over a recording. */
export interface ReplayResult {
  policyHash: string;
  tickMs: number;
  /** First and last decision time. */
  start: number;
  end: number;
  decisions: number;
  observations: { accepted: number; ignored: number };
  changes: ReplayAnswerChange[];
  verdicts: Array<{ at: number; edge: string; up: boolean }>;
  outages: ReplayOutage[];
  /** Answer changes per minute of replayed time. */
  changesPerMinute: number;
  /**
   * Time (ms) during which at least one region was answered an edge that
   * was dead then, and the sum over (service, region) routes of that time.
   * Dead = every region with a fresh observation of the edge saw its last
   * check fail (a partitioned probe alone does not make an edge dead).
   */
  deadAnswerMs: number;
  deadAnswerRouteMs: number;
}

/** Replays a streamed recording under one policy (see module doc). */
export class Replayer {
  private readonly policy: Policy;
  private readonly tickMs: number;
  private readonly regionIdx = new Map<string, number>();
  private readonly edgeIdx = new Map<string, number>();
  private readonly rise: number[];
  private readonly fall: number[];
  private readonly alpha: number;
  private readonly E: number;
  private readonly R: number;
  private readonly linkKeys: string[];
  private readonly grid: Array<LinkState | undefined>;
  /** Per link: start time of the current success / failure streak, time of the last failure. */
  private readonly okStart: Float64Array;
  private readonly failStart: Float64Array;
  private readonly lastFail: Float64Array;
  private links: Record<string, LinkState> = {};
  private state: DecisionState = initialState();
  private table: RoutingTable | undefined;
  private nextTick = NaN;
  private dirty = false;
  private lastAt = -Infinity;
  private readonly result: ReplayResult;
  private readonly open = new Map<string, ReplayOutage>();
  private readonly dead: Uint8Array;
  /** Links whose last check failed: with none, no edge can be dead (countDeadAnswers() skips its scan). */
  private failingLinks = 0;

  constructor(policy: Policy, opts: ReplayOptions = {}) {
    // A private frozen copy: decide() knows it by identity, without serialising it every cycle.
    this.policy = freezePolicy(structuredClone(policy));
    policy = this.policy;
    this.tickMs = Math.max(1, opts.tickMs ?? 1000);
    policy.regions.forEach((r, i) => this.regionIdx.has(r.id) || this.regionIdx.set(r.id, i));
    policy.edges.forEach((e, i) => this.edgeIdx.has(e.id) || this.edgeIdx.set(e.id, i));
    this.R = policy.regions.length;
    this.E = policy.edges.length;
    this.rise = policy.edges.map((e) => e.check.rise);
    this.fall = policy.edges.map((e) => e.check.fall);
    this.alpha = policy.health.rttAlpha;
    this.linkKeys = [];
    for (let r = 0; r < this.R; r++) for (let e = 0; e < this.E; e++) this.linkKeys.push(`${policy.regions[r]!.id}|${policy.edges[e]!.id}`);
    this.grid = new Array<LinkState | undefined>(this.R * this.E);
    this.okStart = new Float64Array(this.R * this.E).fill(NaN);
    this.failStart = new Float64Array(this.R * this.E).fill(NaN);
    this.lastFail = new Float64Array(this.R * this.E).fill(-Infinity);
    this.dead = new Uint8Array(this.E);
    this.result = {
      policyHash: '',
      tickMs: this.tickMs,
      start: NaN,
      end: NaN,
      decisions: 0,
      observations: { accepted: 0, ignored: 0 },
      changes: [],
      verdicts: [],
      outages: [],
      changesPerMinute: 0,
      deadAnswerMs: 0,
      deadAnswerRouteMs: 0,
    };
  }

  /**
   * Feeds observations. Each batch is put in core's order; batches must
   * come in time order (a batch's observations are not older than the
   * previous batch's newest: an older one is ignored, as ingest() would).
   * With `sorted`, the batch is taken to be in core's order already.
   */
  push(batch: readonly Observation[], opts: { sorted?: boolean } = {}): void {
    // `sorted`: the caller already put the whole recording in core's order (sortObservations), as the CLI does.
    for (const o of opts.sorted ? batch : sortObservations(batch)) {
      if (this.nextTick !== this.nextTick) {
        this.nextTick = o.at;
        this.result.start = o.at;
      }
      while (o.at > this.nextTick) this.decideAt(this.nextTick);
      this.apply(o);
    }
  }

  /** Decides once more if observations arrived since the last decision, and returns the result. */
  finish(): ReplayResult {
    if (this.dirty) this.decideAt(this.nextTick);
    const res = this.result;
    if (res.decisions === 0) {
      res.start = res.end = NaN;
      return res;
    }
    const minutes = Math.max(1, res.end - res.start + this.tickMs) / 60_000;
    res.changesPerMinute = res.changes.length / minutes;
    for (const o of this.open.values()) res.outages.push(o);
    this.open.clear();
    res.outages.sort((a, b) => a.downAt - b.downAt || (a.edge < b.edge ? -1 : a.edge > b.edge ? 1 : 0));
    return res;
  }

  private apply(o: Observation): void {
    const r = this.regionIdx.get(o.probeRegion);
    const e = this.edgeIdx.get(o.edge);
    if (r === undefined || e === undefined) {
      this.result.observations.ignored++;
      return;
    }
    const i = r * this.E + e;
    let link = this.grid[i];
    if (link && o.at <= link.lastAt) {
      this.result.observations.ignored++;
      return;
    }
    if (!link) {
      link = { up: true, okStreak: 0, failStreak: 0, lastAt: o.at, samples: 0 };
      this.grid[i] = link;
      this.links[this.linkKeys[i]!] = link;
    }
    if (o.ok) {
      if (link.okStreak === 0) this.okStart[i] = o.at;
      if (link.failStreak > 0) this.failingLinks--;
    } else {
      if (link.failStreak === 0) {
        this.failStart[i] = o.at;
        this.failingLinks++;
      }
      this.lastFail[i] = o.at;
    }
    applyObservation(link, o, this.rise[e]!, this.fall[e]!, this.alpha);
    if (o.at > this.lastAt) this.lastAt = o.at;
    this.result.observations.accepted++;
    this.dirty = true;
  }

  private decideAt(now: number): void {
    // Links are folded in place (this replay owns them); decide() reads them afresh each cycle.
    const d = decide(this.policy, { ...this.state, links: this.links }, now);
    this.state = d.state;
    this.links = d.state.links as Record<string, LinkState>;
    const prev = this.table;
    const table = d.table;
    const res = this.result;
    if (res.decisions === 0) res.policyHash = table.policyHash;
    res.decisions++;
    res.end = now;
    if (prev && prev.hash !== table.hash) {
      this.diffAnswers(prev, table, now);
      this.diffVerdicts(prev, table, now);
    }
    this.table = table;
    this.countDeadAnswers(table, now);
    this.dirty = false;
    this.nextTick = now + this.tickMs;
  }

  private diffAnswers(prev: RoutingTable, table: RoutingTable, at: number): void {
    for (const sid in table.services) {
      const regions = table.services[sid]!.regions;
      const before = prev.services[sid]?.regions;
      if (before === regions) continue;
      for (const rid in regions) {
        const e = regions[rid]!;
        const p = before?.[rid];
        if (p === e || (p && sameList(p.answer, e.answer))) continue;
        this.result.changes.push({ at, service: sid, region: rid, from: p?.answer ?? [], to: e.answer, mode: e.mode });
      }
    }
  }

  private diffVerdicts(prev: RoutingTable, table: RoutingTable, at: number): void {
    for (let e = 0; e < this.E; e++) {
      const id = this.policy.edges[e]!.id;
      const was = prev.edges[id]?.up !== false;
      const up = table.edges[id]?.up !== false;
      if (was === up) continue;
      this.result.verdicts.push({ at, edge: id, up });
      if (!up) {
        let failStart = at;
        for (let r = 0; r < this.R; r++) {
          const i = r * this.E + e;
          if (this.grid[i] && this.grid[i]!.failStreak > 0 && this.failStart[i]! < failStart) failStart = this.failStart[i]!;
        }
        this.open.set(id, { edge: id, failStart, downAt: at });
      } else {
        const o = this.open.get(id);
        if (!o) continue;
        let okStart = Infinity;
        for (let r = 0; r < this.R; r++) {
          const i = r * this.E + e;
          if (this.grid[i] && this.grid[i]!.okStreak > 0 && this.lastFail[i]! >= o.failStart && this.okStart[i]! < okStart) okStart = this.okStart[i]!;
        }
        if (okStart !== Infinity) o.okStart = okStart;
        o.upAt = at;
        this.result.outages.push(o);
        this.open.delete(id);
      }
    }
  }

  private countDeadAnswers(table: RoutingTable, now: number): void {
    if (this.failingLinks === 0) return;
    const staleAfter = this.policy.health.staleAfterMs;
    let anyDead = false;
    for (let e = 0; e < this.E; e++) {
      let fresh = 0;
      let failing = 0;
      for (let r = 0; r < this.R; r++) {
        const link = this.grid[r * this.E + e];
        if (!link || now - link.lastAt > staleAfter) continue;
        fresh++;
        if (link.failStreak > 0) failing++;
      }
      this.dead[e] = fresh > 0 && failing === fresh ? 1 : 0;
      if (this.dead[e]) anyDead = true;
    }
    if (!anyDead) return;
    let routes = 0;
    for (const sid in table.services) {
      const regions = table.services[sid]!.regions;
      for (const rid in regions) {
        for (const id of regions[rid]!.answer) {
          const e = this.edgeIdx.get(id);
          if (e !== undefined && this.dead[e]) {
            routes++;
            break;
          }
        }
      }
    }
    if (routes > 0) {
      this.result.deadAnswerMs += this.tickMs;
      this.result.deadAnswerRouteMs += routes * this.tickMs;
    }
  }
}

/** Replays a whole recording (any order) under one policy. */
export function replay(policy: Policy, observations: readonly Observation[], opts: ReplayOptions = {}): ReplayResult {
  const r = new Replayer(policy, opts);
  r.push(observations);
  return r.finish();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
