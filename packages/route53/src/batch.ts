/**
 * Packing plan units into ChangeResourceRecordSets requests within Route53's
 * documented limits: at most 1,000 ResourceRecord elements and 32,000
 * characters of Value elements per request, UPSERT counting twice. An alias
 * change has no ResourceRecord element; it is counted as one anyway so a
 * request never carries more than 1,000 changes either.
 *
 * Units are packed in plan order (next fit): creates and updates before
 * deletions, and every unit whole, so every request is valid on its own.
 * With units this small against a 1,000 budget the waste is under one unit
 * per request: the minimum number of requests for uniform units.
 */
import { Route53Error } from './errors.js';
import { markerName } from './names.js';
import type { PlannedChange, PlanUnit } from './plan.js';

/** Per-request limits. */
export interface BatchLimits {
  maxRecords: number;
  maxValueChars: number;
}

/** Route53's documented ChangeResourceRecordSets limits. */
export const ROUTE53_BATCH_LIMITS: BatchLimits = { maxRecords: 1000, maxValueChars: 32_000 };

/** What one change costs against the limits. */
export function changeWeight(c: Pick<PlannedChange, 'action' | 'record'>): { records: number; chars: number } {
  const mult = c.action === 'UPSERT' ? 2 : 1;
  const values = c.record.values ?? [];
  let chars = 0;
  for (const v of values) chars += v.length;
  return { records: Math.max(1, values.length) * mult, chars: chars * mult };
}

/** Weight of a whole unit. */
export function unitWeight(u: PlanUnit): { records: number; chars: number } {
  let records = 0;
  let chars = 0;
  for (const c of u.changes) {
    const w = changeWeight(c);
    records += w.records;
    chars += w.chars;
  }
  return { records, chars };
}

/** Groups units into requests; each inner array is one request's units. */
export function packBatches(units: readonly PlanUnit[], limits: BatchLimits = ROUTE53_BATCH_LIMITS): PlanUnit[][] {
  const batches: PlanUnit[][] = [];
  let cur: PlanUnit[] = [];
  let recs = 0;
  let chars = 0;
  for (const unit of units.flatMap((u) => fitUnit(u, limits))) {
    const w = unitWeight(unit);
    if (cur.length > 0 && (recs + w.records > limits.maxRecords || chars + w.chars > limits.maxValueChars)) {
      batches.push(cur);
      cur = [];
      recs = 0;
      chars = 0;
    }
    cur.push(unit);
    recs += w.records;
    chars += w.chars;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/**
 * A unit too big for one request (hundreds of addresses per edge) is cut
 * into record+marker pairs, in order; each state between them is valid.
 */
function fitUnit(u: PlanUnit, limits: BatchLimits): PlanUnit[] {
  const w = unitWeight(u);
  if (w.records <= limits.maxRecords && w.chars <= limits.maxValueChars) return [u];
  const parts = splitPairs(u);
  for (const p of parts) {
    const pw = unitWeight(p);
    if (pw.records > limits.maxRecords || pw.chars > limits.maxValueChars) {
      const first = p.changes[0]!.record;
      throw new Route53Error('E_R53_CHANGE_TOO_LARGE', `${first.name} ${first.type}: one record with its marker exceeds a Route53 request (${pw.records} records, ${pw.chars} characters); use fewer addresses per edge`);
    }
  }
  return parts;
}

/** Splits a unit into sub-units of one record and the marker that follows it. */
export function splitPairs(u: PlanUnit): PlanUnit[] {
  const out: PlanUnit[] = [];
  for (const c of u.changes) {
    const last = out[out.length - 1];
    const prev = last?.changes.length === 1 ? last.changes[0]! : undefined;
    const ownsIt = prev !== undefined && !prev.marker && c.record.name === markerName(prev.record.name, prev.record.type) && c.record.setIdentifier === prev.record.setIdentifier;
    if (c.marker && ownsIt) last!.changes.push(c);
    else out.push({ id: `${u.id}#${out.length}`, changes: [c] });
  }
  return out;
}
