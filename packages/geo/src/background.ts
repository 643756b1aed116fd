/**
 * Compiles a client map in a worker thread: reading a world database takes
 * seconds, and the process that asks (a DNS server reloading its policy)
 * must keep answering from its current map meanwhile.
 */
import { readFileSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ClientMap, compileClientMap } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { compileClientMapSync, type CompiledClientMap } from './compile.js';
import { databasePathFor, EMBEDDED_DATABASE, embeddedDatabasePath } from './database.js';
import { GeoError, type GeoErrorCode } from './errors.js';
import { cacheKey, placementInputs, readCached } from './map-cache.js';
import { nativeSha256Hex } from './hash.js';

/** Maps compiled in this process, by database file state and placement inputs (a test file starts many servers on one policy). */
const memo = new Map<string, CompiledClientMap>();
const MEMO_SLOTS = 4;

type Reply = { ok: true; bytes: Uint8Array; database: string | undefined; compileMs: number; cached: boolean } | { ok: false; code: GeoErrorCode; message: string };

/**
 * The client map of `policy` (database relative to `policyFile`): from this
 * process's memo, else the on-disk cache (map-cache.ts), else compiled in a
 * worker thread (or, with `thread: false`, in this thread: a process that
 * does not answer yet keeps the database records in memory for its next
 * compile). Rejects with GeoError (E_GEO_DB_READ, E_GEO_DB_CORRUPT,
 * E_GEO_COMPILE); the caller keeps its current map.
 */
export async function loadClientMap(policy: Policy, policyFile?: string, opts: { thread?: boolean } = {}): Promise<CompiledClientMap> {
  const t0 = performance.now();
  const file = databasePathFor(policy, policyFile);
  if (!file) return { map: compileClientMap(policy, undefined, { sha256Hex: nativeSha256Hex }), database: undefined, compileMs: performance.now() - t0, cached: false };
  let memoKey: string;
  try {
    const st = statSync(file);
    memoKey = `${file}|${st.size}|${st.mtimeMs}|${JSON.stringify(placementInputs(policy))}`;
  } catch (err) {
    throw new GeoError('E_GEO_DB_READ', `cannot read GeoIP database ${file}: ${(err as Error).message} (point geo.database in the policy at a .mmdb file, or leave it out for the embedded database)`, { cause: err });
  }
  const hit = memo.get(memoKey);
  if (hit) return { ...hit, compileMs: performance.now() - t0, cached: true };
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(file);
  } catch {
    // The thread reports it with the full message.
  }
  const cached = bytes ? readCached(cacheKey(bytes, policy)) : undefined;
  const result: CompiledClientMap = cached
    ? { map: cached, database: file === embeddedDatabasePath() ? EMBEDDED_DATABASE : file, compileMs: performance.now() - t0, cached: true }
    : opts.thread === false
      ? compileClientMapSync(policy, policyFile)
      : await compileInThread(policy, policyFile);
  memo.set(memoKey, result);
  if (memo.size > MEMO_SLOTS) memo.delete(memo.keys().next().value!);
  return result;
}

function compileInThread(policy: Policy, policyFile: string | undefined): Promise<CompiledClientMap> {
  return new Promise((resolve, reject) => {
    // From the TypeScript sources (vitest), the thread still runs the built file.
    const entry = import.meta.url.endsWith('.ts') ? new URL('../dist/compile-thread.js', import.meta.url) : new URL('./compile-thread.js', import.meta.url);
    const w = new Worker(entry, { workerData: { policy, policyFile } });
    let settled = false;
    w.once('message', (m: Reply) => {
      settled = true;
      if (!m.ok) return reject(new GeoError(m.code, m.message));
      try {
        resolve({ map: ClientMap.deserialize(m.bytes, nativeSha256Hex), database: m.database, compileMs: m.compileMs, cached: m.cached });
      } catch (err) {
        reject(new GeoError('E_GEO_COMPILE', `compiled client map did not load: ${(err as Error).message}`, { cause: err }));
      }
    });
    w.once('error', (err) => {
      if (!settled) reject(new GeoError('E_GEO_COMPILE', `client map compile thread failed: ${err.message}`, { cause: err }));
      settled = true;
    });
    w.once('exit', (code) => {
      if (!settled) reject(new GeoError('E_GEO_COMPILE', `client map compile thread exited with code ${code}`));
    });
  });
}
