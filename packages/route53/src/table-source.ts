/**
 * Where the routing table comes from: a controller URL (GET, JSON
 * RoutingTable) or a JSON file. Only the shape the reconciler reads is
 * checked; the table itself is core's output.
 */
import { readFile } from 'node:fs/promises';
import type { RoutingTable } from '@edgesteer/core';
import { Route53Error } from './errors.js';

/** Loads a table from an http(s) URL or a file path. */
export async function loadTable(source: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RoutingTable> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? 10_000)]) : AbortSignal.timeout(opts.timeoutMs ?? 10_000);
      res = await fetch(source, { headers: { accept: 'application/json' }, signal });
    } catch (err) {
      throw new Route53Error('E_R53_TABLE_SOURCE', `cannot fetch the routing table from ${source}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new Route53Error('E_R53_TABLE_SOURCE', `GET ${source} answered ${res.status}; expected 200 with a JSON routing table`);
    text = await res.text();
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new Route53Error('E_R53_TABLE_SOURCE', `cannot read the routing table file ${source}: ${(err as Error).message}`);
    }
  }
  return parseTable(text, source);
}

/** Parses and shape-checks a routing table. */
export function parseTable(text: string, source: string): RoutingTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Route53Error('E_R53_TABLE_SOURCE', `${source} is not JSON: ${(err as Error).message}`);
  }
  // A controller may wrap the table ({ table: … }); accept both.
  const t = (value !== null && typeof value === 'object' && 'table' in value ? (value as { table: unknown }).table : value) as Partial<RoutingTable> | null;
  if (!t || typeof t !== 'object' || typeof t.version !== 'number' || typeof t.services !== 'object' || t.services === null || typeof t.edges !== 'object') {
    throw new Route53Error('E_R53_TABLE_SOURCE', `${source} is not a routing table (needs version, services and edges)`);
  }
  return t as RoutingTable;
}
