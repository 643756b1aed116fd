/**
 * A problem found in a policy file, positioned at the node that causes it so
 * an operator (or an editor) can jump straight there.
 */

/** Errors make a policy unusable; warnings are reported but the policy loads. */
export type Severity = 'error' | 'warning';

/** One finding, with the position of the offending YAML/JSON node (1-based). */
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Stable kebab-case rule id (see RULES), safe to grep for and to document. */
  rule: string;
  severity: Severity;
  message: string;
  /** What to change to make the problem go away. */
  hint: string;
}

/**
 * Formats a problem as `file:line:col rule-id message (hint: ...)`, the
 * shape editors and CI annotations recognise. Warnings carry a `warning:`
 * prefix on the message so a scrolling terminal shows which ones block.
 */
export function formatProblem(p: Problem): string {
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  const hint = p.hint ? ` (hint: ${p.hint})` : '';
  return `${p.file}:${p.line}:${p.col} ${p.rule} ${sev}${p.message}${hint}`;
}

/** Orders problems by file position; errors before warnings at the same spot. */
export function compareProblems(a: Problem, b: Problem): number {
  return (
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.col - b.col ||
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
    a.rule.localeCompare(b.rule) ||
    a.message.localeCompare(b.message)
  );
}

/** Sorts by position and drops exact duplicates (two rules may reach the same finding). */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const sorted = [...problems].sort(compareProblems);
  return sorted.filter((p, i) => {
    const prev = sorted[i - 1];
    return !prev || compareProblems(prev, p) !== 0;
  });
}
