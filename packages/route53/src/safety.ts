/**
 * The safety threshold (the gate): a plan whose POLICY or OWNERSHIP changes
 * (deletions, removed services, TTL/address edits, take-over) update or
 * delete more than 30% of the records we own (when we own at least 10) is
 * more likely a wrong policy than an intended change, and is refused without
 * --force. Health- and RTT-driven re-ranks of failover chains are not
 * counted: they are what Route53 is for, and are bounded by the re-rank
 * limit instead (rerank-limit.ts).
 */
import type { Plan } from './plan.js';

/** Threshold settings. */
export interface SafetyOptions {
  /** Fraction of owned records a plan may update or delete. Default 0.3. */
  maxFraction?: number;
  /** Below this many owned records the check is off. Default 10. */
  minOwned?: number;
}

/** Result of the safety check. */
export interface SafetyResult {
  exceeds: boolean;
  fraction: number;
  message: string;
}

/** Checks a plan against the threshold. */
export function safetyCheck(plan: Plan, opts: SafetyOptions = {}): SafetyResult {
  const max = opts.maxFraction ?? 0.3;
  const minOwned = opts.minOwned ?? 10;
  const { ownedRecords, touchedOwned } = plan.summary;
  const fraction = ownedRecords === 0 ? 0 : touchedOwned / ownedRecords;
  const exceeds = ownedRecords >= minOwned && fraction > max;
  const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
  return {
    exceeds,
    fraction,
    message: `this plan's policy/ownership changes update or delete ${touchedOwned} of ${ownedRecords} owned records (${pct(fraction)}, limit ${pct(max)}; health/RTT re-ranks not counted); apply refuses without --force`,
  };
}
