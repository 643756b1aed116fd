/**
 * A problem before it has a file position: rules and the schema mapper speak
 * in data paths, and parse.ts turns paths into line:col once for all of them.
 */
import type { Severity } from './problem.js';
import type { RuleId } from './rules.js';
import { RULES } from './rules.js';
import type { Anchor, DataPath } from './source-map.js';

/** A problem located by data path. */
export interface Finding {
  path: DataPath;
  /** Point at the key (e.g. unknown keys) instead of the value. */
  anchor?: Anchor;
  rule: RuleId;
  /** Defaults to the rule's usual severity. */
  severity?: Severity;
  message: string;
  hint: string;
}

/** The severity a finding ends up with. */
export function severityOf(f: Finding): Severity {
  return f.severity ?? RULES[f.rule].severity;
}
