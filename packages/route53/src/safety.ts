/**
 * The safety threshold: a plan that updates or deletes more than 30% of the
 * records we own (when we own at least 10) is more likely a wrong policy or
 * table than an intended change, and is refused without --force.
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
    message: `this plan updates or deletes ${touchedOwned} of ${ownedRecords} owned records (${pct(fraction)}, limit ${pct(max)}); apply refuses without --force`,
  };
}
