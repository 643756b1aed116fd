/**
 * What the cross-reference rules see: the raw data (so they can run even
 * when the schema found problems elsewhere, and every problem is reported in
 * one pass), read through guards that skip values of the wrong type — those
 * already have a schema finding.
 */
import type { Finding } from '../finding.js';
import type { DataPath } from '../source-map.js';

/** A mapping from the raw data. */
export type Rec = Record<string, unknown>;

/** An element of a top-level list, with its path. */
export interface Item {
  rec: Rec;
  path: DataPath;
}

/** Shared state for one validation run. */
export interface RuleContext {
  data: Rec;
  report(f: Finding): void;
}

/** A semantic rule group. */
export type Rule = (ctx: RuleContext) => void;

export function isRec(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Mapping elements of `data[key]` (non-mappings skipped); null when the key is not a list. */
export function items(data: Rec, key: string): Item[] | null {
  const v = data[key];
  if (!Array.isArray(v)) return null;
  const out: Item[] = [];
  v.forEach((rec, i) => {
    if (isRec(rec)) out.push({ rec, path: [key, i] });
  });
  return out;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** String entries of a list with their index (other entries skipped). */
export function strings(v: unknown): { value: string; index: number }[] {
  if (!Array.isArray(v)) return [];
  const out: { value: string; index: number }[] = [];
  v.forEach((s, index) => {
    if (typeof s === 'string') out.push({ value: s, index });
  });
  return out;
}

/** True when the list holds at least one entry (of any type). */
export function nonEmpty(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

/** Lower-case, no trailing dot: DNS names compare case-insensitively. */
export function normName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** True when `name` is `zone` or lies below it. */
export function inZone(name: string, zone: string): boolean {
  const n = normName(name);
  const z = normName(zone);
  return n === z || n.endsWith('.' + z);
}

/**
 * Id → first item, for sections whose ids can be trusted for reference
 * checks. null when the section is missing or some id is not a string: then
 * "unknown edge" findings would be noise on top of the schema finding.
 */
export function idIndex(list: Item[] | null): Map<string, Item> | null {
  if (!list) return null;
  const out = new Map<string, Item>();
  for (const it of list) {
    const id = str(it.rec['id']);
    if (id === undefined) return null;
    if (!out.has(id)) out.set(id, it);
  }
  return out;
}
