/** Reading the raw (not yet validated) data by path, and naming paths for messages. */
import type { DataPath } from './source-map.js';

/** The raw value at `path`, or undefined when any step is missing. */
export function valueAt(data: unknown, path: DataPath): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** True when the last key of `path` is present in its parent (even with a null value). */
export function hasPath(data: unknown, path: DataPath): boolean {
  if (path.length === 0) return data !== undefined;
  const parent = valueAt(data, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return false;
  return Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]!);
}

const SECTION_NOUN: Record<string, string> = {
  zones: 'zone',
  regions: 'region',
  edges: 'edge',
  services: 'service',
  nameservers: 'nameserver',
};

/**
 * A readable name for the thing at `path`: `edge 'use1' check`, `zone
 * 'example.com'`, falling back to `edges[3]` when the element has no usable
 * id. Operators think in ids, not indexes.
 */
export function describePath(data: unknown, path: DataPath): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const prev = path[i - 1];
    if (typeof seg === 'number' && typeof prev === 'string') {
      const el = valueAt(data, path.slice(0, i + 1));
      const noun = SECTION_NOUN[prev];
      const rec = el && typeof el === 'object' ? (el as Record<string, unknown>) : {};
      const name = typeof rec['id'] === 'string' ? rec['id'] : typeof rec['name'] === 'string' ? rec['name'] : undefined;
      parts.pop();
      parts.push(noun && name !== undefined ? `${noun} '${name}'` : `${prev}[${seg}]`);
    } else if (typeof seg === 'number') {
      parts.push(`[${seg}]`);
    } else {
      parts.push(seg);
    }
  }
  return parts.join(' ').replace(/ \[/g, '[') || 'policy';
}

/** Short text for a value in a message: strings quoted and truncated, structures by kind. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 60 ? v.slice(0, 57) + '...' : v}'`;
  return String(v);
}
