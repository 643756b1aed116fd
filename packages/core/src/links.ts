/**
 * Folding probe observations into per-(probe region, edge) link state:
 * rise/fall streak counters and an RTT EWMA.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { DecisionState, LinkState, Observation } from './types.js';
import { canonicalJson } from './canonical-json.js';
import { linkKey } from './state.js';

/** Options of ingest(). */
export interface IngestOptions {
  /**
   * Clock time of the ingest (epoch ms). When given, observations stamped
   * more than `maxFutureMs` after it are ignored: a probe with a fast clock
   * would otherwise keep its link "fresh" and, worse, make every correctly
   * stamped observation after it look out of order.
   */
  now?: number;
  /** Allowed clock skew into the future when `now` is given. Default 10 000 ms. */
  maxFutureMs?: number;
}

/** Why observations were not folded in. */
export interface IgnoredCounts {
  /** probeRegion is not a region of the policy. */
  unknownRegion: number;
  /** edge is not an edge of the policy. */
  unknownEdge: number;
  /** at ≤ the link's newest folded-in observation (late or duplicate). */
  outOfOrder: number;
  /** at is beyond now + maxFutureMs. */
  future: number;
}

/** Result of ingestWithStats(). */
export interface IngestResult {
  state: DecisionState;
  accepted: number;
  /** Total of ignoredBy. */
  ignored: number;
  ignoredBy: IgnoredCounts;
}

/** Default tolerated probe clock skew into the future. */
export const DEFAULT_MAX_FUTURE_MS = 10_000;

/**
 * Folds observations into the state and says how many were used.
 *
 * Observations are applied in a deterministic order (by `at`, then region,
 * edge and the rest of their content), so the result does not depend on the
 * order they arrived in. Per link: a success resets the failure streak and a
 * failure resets the success streak; a link that is up goes down after
 * `check.fall` consecutive failures, a link that is down comes back after
 * `check.rise` consecutive successes (links start up). RTT is an EWMA
 * (weight `health.rttAlpha` for the new sample) of `firstByteMs`, or
 * `connectMs` when there is no first byte (TCP checks), over successful
 * observations only. First byte is preferred because it is what a client
 * waits for: it includes the edge's own queueing, so an overloaded edge
 * ranks lower, and it is the only timing that shows latency simulated in a
 * server (loopback tests, the demo) where the kernel completes the handshake. An observation not newer than the link's newest one is ignored.
 *
 * Does not mutate its inputs: the returned state shares unchanged link
 * objects with the input state and has fresh objects for changed ones.
 */
export function ingestWithStats(state: DecisionState, policy: Policy, observations: readonly Observation[], options: IngestOptions = {}): IngestResult {
  const regions = new Set(policy.regions.map((r) => r.id));
  const checks = new Map(policy.edges.map((e) => [e.id, e.check] as const));
  const alpha = policy.health.rttAlpha;
  const futureLimit = options.now === undefined ? Infinity : options.now + (options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS);
  const ignoredBy: IgnoredCounts = { unknownRegion: 0, unknownEdge: 0, outOfOrder: 0, future: 0 };
  let accepted = 0;

  const links: Record<string, LinkState> = { ...state.links };
  // Links already copied in this call: safe to mutate further.
  const owned = new Set<string>();

  for (const o of sortObservations(observations)) {
    if (!regions.has(o.probeRegion)) {
      ignoredBy.unknownRegion++;
      continue;
    }
    const check = checks.get(o.edge);
    if (!check) {
      ignoredBy.unknownEdge++;
      continue;
    }
    if (o.at > futureLimit) {
      ignoredBy.future++;
      continue;
    }
    const key = linkKey(o.probeRegion, o.edge);
    let link = links[key];
    if (link && o.at <= link.lastAt) {
      ignoredBy.outOfOrder++;
      continue;
    }
    if (!link) {
      link = { up: true, okStreak: 0, failStreak: 0, lastAt: o.at, samples: 0 };
      links[key] = link;
      owned.add(key);
    } else if (!owned.has(key)) {
      link = { ...link };
      links[key] = link;
      owned.add(key);
    }
    applyObservation(link, o, check.rise, check.fall, alpha);
    accepted++;
  }

  const ignored = ignoredBy.unknownRegion + ignoredBy.unknownEdge + ignoredBy.outOfOrder + ignoredBy.future;
  return { state: accepted === 0 ? state : { ...state, links }, accepted, ignored, ignoredBy };
}

/** ingestWithStats() without the counts. */
export function ingest(state: DecisionState, policy: Policy, observations: readonly Observation[], options?: IngestOptions): DecisionState {
  return ingestWithStats(state, policy, observations, options).state;
}

/** Folds one observation into a link (mutates `link`). */
export function applyObservation(link: LinkState, o: Observation, rise: number, fall: number, alpha: number): void {
  link.lastAt = o.at;
  link.samples++;
  if (o.ok) {
    link.okStreak++;
    link.failStreak = 0;
    if (!link.up && link.okStreak >= rise) link.up = true;
    const sample = o.firstByteMs ?? o.connectMs;
    if (sample !== undefined) link.rttMs = link.rttMs === undefined ? sample : alpha * sample + (1 - alpha) * link.rttMs;
  } else {
    link.failStreak++;
    link.okStreak = 0;
    if (link.up && link.failStreak >= fall) link.up = false;
    link.lastReason = o.reason ?? 'other';
    if (o.detail === undefined) delete link.lastDetail;
    else link.lastDetail = o.detail;
  }
}

/** Observations in application order; the input is not modified. */
export function sortObservations(observations: readonly Observation[]): readonly Observation[] {
  let sorted = true;
  for (let i = 1; i < observations.length; i++) {
    if (compareObservations(observations[i - 1]!, observations[i]!) > 0) {
      sorted = false;
      break;
    }
  }
  return sorted ? observations : [...observations].sort(compareObservations);
}

function compareObservations(a: Observation, b: Observation): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.probeRegion !== b.probeRegion) return a.probeRegion < b.probeRegion ? -1 : 1;
  if (a.edge !== b.edge) return a.edge < b.edge ? -1 : 1;
  if (a.ok !== b.ok) return a.ok ? 1 : -1;
  // Same link and instant, different content: only one can be folded in;
  // pick by content so every controller picks the same one.
  const ca = canonicalJson(a);
  const cb = canonicalJson(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

/**
 * Folds a batch of reports (say, what probes buffered through an outage
 * and delivered at once) as one: every observation of every report goes
 * through one ingestWithStats(), so they are applied in observation-time
 * order whatever order the reports arrived in, and the caller decides once
 * afterwards. No table is computed for any moment in between: a plane that
 * catches up on history publishes only where the history ends. Per link,
 * an observation not newer than what the link already reflects is ignored
 * (counted as outOfOrder), so replayed history can never flip a link back.
 */
export function ingestBatch(state: DecisionState, policy: Policy, reports: ReadonlyArray<{ observations: readonly Observation[] }>, options: IngestOptions = {}): IngestResult {
  if (reports.length === 1) return ingestWithStats(state, policy, reports[0]!.observations, options);
  const all: Observation[] = [];
  for (const r of reports) for (const o of r.observations) all.push(o);
  return ingestWithStats(state, policy, all, options);
}
