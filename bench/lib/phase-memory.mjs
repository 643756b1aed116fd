/**
 * Memory of `edgesteer dns` (each UDP path): the process group's RSS, PSS and
 * anonymous memory right after start (answering, 2 s after the first answer)
 * and after a stretch of full dnsperf load (60 s in a full run).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { dnsperfMax } from './dnsperf.mjs';
import { groupMemoryMb } from './memory.mjs';

/**
 * @param {{ runners: any[], dir: string, edgePort: number, threads: number, file: string, seconds: number, log: (s: string) => void }} o
 */
export async function memoryPhase(o) {
  const out = {};
  for (const r of o.runners) {
    const h = await r.start({ dir: o.dir, edgePort: o.edgePort, threads: o.threads });
    try {
      await sleep(2000);
      const afterStart = groupMemoryMb(h.pgids[0]);
      const load = await dnsperfMax({ file: o.file, port: h.port, seconds: o.seconds });
      await sleep(500);
      const afterLoad = groupMemoryMb(h.pgids[0]);
      out[r.id] = { label: r.label, command: h.command, threads: o.threads, loadSeconds: o.seconds, loadQps: load.qps, afterStart, afterLoad };
      o.log(`  ${r.id.padEnd(16)} RSS ${afterStart.rssMb.toFixed(1)} MB after start, ${afterLoad.rssMb.toFixed(1)} MB after ${o.seconds} s at ${Math.round(load.qps).toLocaleString('en-US')} qps (anon ${afterStart.anonMb.toFixed(1)} → ${afterLoad.anonMb.toFixed(1)} MB, PSS ${afterLoad.pssMb.toFixed(1)} MB, ${afterLoad.processes} process(es))`);
    } finally {
      await h.stop();
    }
  }
  return out;
}
