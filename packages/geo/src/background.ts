/**
 * Compiles a client map in a worker thread: reading a world database takes
 * seconds, and the process that asks (a DNS server reloading its policy)
 * must keep answering from its current map meanwhile.
 */
import { Worker } from 'node:worker_threads';
import { ClientMap } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { CompiledClientMap } from './compile.js';
import { GeoError, type GeoErrorCode } from './errors.js';

type Reply = { ok: true; bytes: Uint8Array; database: string | undefined; compileMs: number; cached: boolean } | { ok: false; code: GeoErrorCode; message: string };

/** The client map of `policy` (database relative to `policyFile`), compiled off the main thread. Rejects with GeoError. */
export function loadClientMap(policy: Policy, policyFile?: string): Promise<CompiledClientMap> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./compile-thread.js', import.meta.url), { workerData: { policy, policyFile } });
    let settled = false;
    w.once('message', (m: Reply) => {
      settled = true;
      if (!m.ok) return reject(new GeoError(m.code, m.message));
      try {
        resolve({ map: ClientMap.deserialize(m.bytes), database: m.database, compileMs: m.compileMs, cached: m.cached });
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
