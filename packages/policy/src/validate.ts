/**
 * Cross-reference rules: what the schema cannot say about one value alone.
 * Each rule group reads the raw data defensively, so they all run even when
 * the schema failed and the operator sees every problem in one pass.
 */
import type { Finding } from './finding.js';
import type { Rule } from './rules/context.js';
import { isRec } from './rules/context.js';
import { checkEdges } from './rules/edges.js';
import { checkDuplicateIds } from './rules/ids.js';
import { checkRegions } from './rules/regions.js';
import { checkServices } from './rules/services.js';
import { checkZones } from './rules/zones.js';

const RULE_GROUPS: readonly Rule[] = [checkDuplicateIds, checkZones, checkRegions, checkEdges, checkServices];

/** Runs every semantic rule over the raw policy data. */
export function semanticFindings(data: unknown): Finding[] {
  if (!isRec(data)) return [];
  const out: Finding[] = [];
  const ctx = { data, report: (f: Finding) => void out.push(f) };
  for (const rule of RULE_GROUPS) rule(ctx);
  return out;
}
