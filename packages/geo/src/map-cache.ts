/**
 * On-disk cache of compiled client maps. Reading a world database takes a
 * few seconds; the same database and the same placement inputs of the
 * policy always compile to the same map, so every process after the first
 * loads the map's bytes instead (about a tenth of a second). The key is the
 * SHA-256 of the database file, of the policy's placement inputs (regions'
 * ids, order, locations, countries, continents, clientCidrs, default, geo)
 * and of this compiler's format version; a cache file that does not parse
 * is ignored and rewritten. EDGESTEER_GEO_CACHE=off disables the cache;
 * EDGESTEER_GEO_CACHE=DIR moves it (default: <tmpdir>/edgesteer-client-maps).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientMap } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { nativeSha256Hex } from './hash.js';

/** Bump when compileClientMap's output for the same inputs changes. */
export const COMPILER_VERSION = 2;
/** Cache files kept (newest first); a file is a few MB. */
const KEEP = 12;

/** The cache directory, or undefined when the cache is off. */
export function cacheDir(): string | undefined {
  const env = process.env['EDGESTEER_GEO_CACHE'];
  if (env === 'off' || env === '0') return undefined;
  return env && env !== '' ? env : path.join(os.tmpdir(), 'edgesteer-client-maps');
}

/** The placement inputs of a policy: what the client map depends on besides the database. */
export function placementInputs(policy: Policy): unknown {
  return {
    compiler: COMPILER_VERSION,
    geo: policy.geo ?? null,
    regions: policy.regions.map((r) => ({ id: r.id, aws: r.aws, default: r.default, clientCidrs: r.clientCidrs, location: r.location ?? null, countries: r.countries ?? [], continents: r.continents ?? [] })),
  };
}

/** Cache key of (database bytes, policy). */
export function cacheKey(dbBytes: Uint8Array, policy: Policy): string {
  const h = createHash('sha256');
  h.update(createHash('sha256').update(dbBytes).digest());
  h.update(JSON.stringify(placementInputs(policy)));
  return h.digest('hex');
}

/** The cached map, or undefined. */
export function readCached(key: string): ClientMap | undefined {
  const dir = cacheDir();
  if (!dir) return undefined;
  try {
    return ClientMap.deserialize(readFileSync(path.join(dir, `${key}.escm`)), nativeSha256Hex);
  } catch {
    return undefined;
  }
}

/** Stores a map (atomically: temp file + rename) and prunes old entries. Failures only cost speed. */
export function writeCached(key: string, map: ClientMap): void {
  const dir = cacheDir();
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, map.serialize());
    renameSync(tmp, path.join(dir, `${key}.escm`));
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.escm'))
      .map((f) => ({ f, t: statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP)) unlinkSync(path.join(dir, f));
  } catch {
    // A read-only or full disk: the next process compiles again.
  }
}
