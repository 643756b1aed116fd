/**
 * One decision cycle as the controller runs it: core's decide() at `now`,
 * and what changed (verdict flips, answer changes) in the words the
 * timeline, the log and the metrics use. No I/O, no clock: the caller
 * passes `now` and records the changes (see timeline-recorder.ts).
 */
import { decide, type DecisionState, type RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { diffAnswers, diffVerdicts, type AnswerChange, type VerdictChange } from './changes.js';

/** What started a decision cycle (the `trigger` label of the decisions counter). */
export type DecisionTrigger = 'start' | 'report' | 'tick' | 'reload';

/** Outcome of one cycle. */
export interface CycleResult {
  state: DecisionState;
  /** The new table when its hash changed, else the previous table object. */
  table: RoutingTable;
  changed: boolean;
  verdicts: VerdictChange[];
  answers: AnswerChange[];
}

/** Runs one cycle (see module doc). With no previous table (first start) every answer is new. */
export function runCycle(policy: Policy, state: DecisionState, previous: RoutingTable | undefined, trigger: DecisionTrigger, now: number): CycleResult {
  const d = decide(policy, state, now);
  const verdicts = diffVerdicts(state, d.state, now);
  const changed = !previous || previous.hash !== d.table.hash;
  // After a restore the saved table counts as "previous", so a restart is not reported as a failover.
  const answers = changed ? diffAnswers(previous, d.table, d.state, trigger, now) : [];
  return { state: d.state, table: changed ? d.table : previous!, changed, verdicts, answers };
}
