/**
 * Policy (+ its database) → compiled client map, synchronously in the
 * calling thread. Processes call {@link loadClientMap} (background.ts),
 * which runs this in a worker thread so the event loop keeps answering.
 */
import { readFileSync } from 'node:fs';
import { compileClientMap, type ClientMap } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { databasePathFor, EMBEDDED_DATABASE, embeddedDatabasePath } from './database.js';
import { GeoError } from './errors.js';
import { cacheKey, readCached, writeCached } from './map-cache.js';
import { openMmdb } from './mmdb-records.js';
import { cachedRecords, databaseDigest, storeRecords } from './records-cache.js';
import { nativeSha256Hex } from './hash.js';

/** A compiled map and where it came from. */
export interface CompiledClientMap {
  map: ClientMap;
  /** The database file (or EMBEDDED_DATABASE), undefined when geo is off. */
  database: string | undefined;
  /** Wall time of this compile (ms); small when the cache had it. */
  compileMs: number;
  cached: boolean;
}

/** Compiles (or loads from the cache) the client map of `policy`. Throws GeoError (E_GEO_DB_READ, E_GEO_DB_CORRUPT, E_GEO_COMPILE). */
export function compileClientMapSync(policy: Policy, policyFile?: string, now: () => number = performance.now.bind(performance)): CompiledClientMap {
  const t0 = now();
  const file = databasePathFor(policy, policyFile);
  if (!file) return { map: compileClientMap(policy, undefined, { sha256Hex: nativeSha256Hex }), database: undefined, compileMs: now() - t0, cached: false };
  const origin = file === embeddedDatabasePath() ? EMBEDDED_DATABASE : file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new GeoError('E_GEO_DB_READ', `cannot read GeoIP database ${file}: ${(err as Error).message} (point geo.database in the policy at a .mmdb file, or leave it out for the embedded database)`, { cause: err });
  }
  const key = cacheKey(bytes, policy);
  const hit = readCached(key);
  if (hit) return { map: hit, database: origin, compileMs: now() - t0, cached: true };
  const digest = databaseDigest(bytes);
  let records = cachedRecords(digest);
  if (!records) {
    records = openMmdb(bytes, origin).records();
    storeRecords(digest, records);
  }
  let map: ClientMap;
  try {
    map = compileClientMap(policy, records, { sha256Hex: nativeSha256Hex });
  } catch (err) {
    if (err instanceof GeoError) throw err;
    throw new GeoError('E_GEO_COMPILE', `cannot compile the client map from ${origin}: ${(err as Error).message}`, { cause: err });
  }
  writeCached(key, map);
  return { map, database: origin, compileMs: now() - t0, cached: false };
}

/** The database records a policy's map is compiled from (cached like compiles), or undefined when geo is off. */
export function databaseRecords(policy: Policy, policyFile?: string): import('@edgesteer/core').GeoRecords | undefined {
  const file = databasePathFor(policy, policyFile);
  if (!file) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new GeoError('E_GEO_DB_READ', `cannot read GeoIP database ${file}: ${(err as Error).message}`, { cause: err });
  }
  const digest = databaseDigest(bytes);
  let records = cachedRecords(digest);
  if (!records) {
    records = openMmdb(bytes, file === embeddedDatabasePath() ? EMBEDDED_DATABASE : file).records();
    storeRecords(digest, records);
  }
  return records;
}
