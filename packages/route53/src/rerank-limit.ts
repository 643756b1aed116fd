/**
 * Bounds for health- and RTT-driven changes (re-ranks of a failover chain),
 * which the 30% gate does not count:
 *
 * - a re-rank never leaves a set without a healthy answer: it only reorders
 *   the chain, which always holds every edge the service may answer, each
 *   with its health check (desired.ts), so whatever Route53's checks see as
 *   healthy stays reachable; with nothing healthy the fallback goes first,
 *   as on the other planes;
 * - at most `maxPerMinute` re-ranks per record set (unit) in any 60 s window;
 *   more are deferred to a later cycle (Route53's own health checks keep
 *   failing over meanwhile: every edge stays in the chain).
 *
 * The limiter's memory lives as long as the loop (apply --loop, the
 * controller); a one-shot apply starts empty.
 */
import { finishPlan, type Plan, type PlanUnit } from './plan.js';

/** Default re-ranks per record set per minute. */
export const DEFAULT_RERANKS_PER_MINUTE = 6;

/** Remembers when each record set was re-ranked. */
export class RerankLimiter {
  private readonly history = new Map<string, number[]>();
  constructor(readonly maxPerMinute = DEFAULT_RERANKS_PER_MINUTE) {}

  /** Re-ranks of `unit` within the minute before `now`. */
  recent(unit: string, now: number): number {
    const h = (this.history.get(unit) ?? []).filter((t) => t > now - 60_000);
    this.history.set(unit, h);
    return h.length;
  }

  /** Records an applied re-rank. */
  record(unit: string, now: number): void {
    this.recent(unit, now);
    this.history.get(unit)!.push(now);
  }
}

/** True when every record change of the unit is a re-rank (markers never change on a re-rank). */
export function isRerankOnly(u: PlanUnit): boolean {
  const records = u.changes.filter((c) => !c.marker);
  return records.length > 0 && records.every((c) => c.cause === 'health');
}

/**
 * Drops the re-rank-only units that exceed the limiter; returns the plan to apply (summary and checksum
 * recomputed) and the units it kept back.
 */
export function deferReranks(plan: Plan, limiter: RerankLimiter | undefined, now: number): { plan: Plan; deferred: string[]; reranked: string[] } {
  const deferred: string[] = [];
  const reranked: string[] = [];
  const warnings = [...plan.warnings];
  let changedAny = false;
  const zones = plan.zones.map((z) => {
    const units = z.units.filter((u) => {
      if (!isRerankOnly(u)) return true;
      if (limiter && limiter.recent(u.id, now) >= limiter.maxPerMinute) {
        deferred.push(u.id);
        warnings.push(`re-rank of ${u.id} deferred: ${limiter.maxPerMinute} re-ranks in the last minute (the limit)`);
        changedAny = true;
        return false;
      }
      reranked.push(u.id);
      return true;
    });
    return { ...z, units };
  });
  if (!changedAny) return { plan, deferred, reranked };
  const rerankedRecords = zones.reduce((n, z) => n + z.units.reduce((m, u) => m + u.changes.filter((c) => c.cause === 'health').length, 0), 0);
  const next = finishPlan(
    { owner: plan.owner, zones, healthChecks: plan.healthChecks, alarms: plan.alarms, ...(plan.cidr ? { cidr: plan.cidr } : {}) },
    plan.conflicts,
    warnings,
    plan.summary.ownedRecords,
    plan.summary.touchedOwned,
    rerankedRecords,
  );
  return { plan: next, deferred, reranked };
}
