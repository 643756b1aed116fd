/** An exception carrying policy problems, for callers that prefer to throw. */
import type { ParseResult } from './parse.js';
import type { Problem } from './problem.js';
import { formatProblem } from './problem.js';
import type { Policy } from './schema.js';

/** A policy failed validation. `problems` holds every finding, errors and warnings. */
export class PolicyError extends Error {
  readonly code = 'E_POLICY_INVALID';

  constructor(readonly problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const shown = errors.slice(0, 5).map(formatProblem);
    const more = errors.length > shown.length ? `\n... and ${errors.length - shown.length} more (run: edgesteer policy check FILE)` : '';
    super(`policy is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${shown.join('\n')}${more}`);
    this.name = 'PolicyError';
  }
}

/** The policy of a successful parse; throws PolicyError otherwise. */
export function policyOrThrow(result: ParseResult): Policy {
  if (!result.ok) throw new PolicyError(result.problems);
  return result.policy;
}
