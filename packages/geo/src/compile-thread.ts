/** Worker-thread entry of loadClientMap: compiles and posts the map's bytes (or the error). */
import { parentPort, workerData } from 'node:worker_threads';
import type { Policy } from '@edgesteer/policy';
import { compileClientMapSync } from './compile.js';

const { policy, policyFile } = workerData as { policy: Policy; policyFile?: string };
try {
  const r = compileClientMapSync(policy, policyFile);
  const bytes = r.map.serialize();
  parentPort!.postMessage({ ok: true, bytes, database: r.database, compileMs: r.compileMs, cached: r.cached });
} catch (err) {
  const e = err as { code?: string; message?: string };
  parentPort!.postMessage({ ok: false, code: e.code ?? 'E_GEO_COMPILE', message: e.message ?? String(err) });
}
