/** DoH throughput and latency of the Worker in each runtime, one at a time. */
import { dohLoad } from './doh-load.mjs';

export async function workerPhase({ runners, dir, edgePort, budget, log }) {
  const out = {};
  for (const r of runners) {
    let h = null;
    try {
      h = await r.start({ dir, edgePort, threads: 1 });
      await dohLoad({ baseUrl: h.baseUrl, seconds: 1, dir }); // warm-up (JIT, first-request compile)
      const res = await dohLoad({ baseUrl: h.baseUrl, seconds: budget.dohSeconds, dir });
      out[r.id] = { label: r.label, seconds: budget.dohSeconds, ...res };
      log(`  ${r.id.padEnd(15)} ${Math.round(res.rps).toLocaleString('en-US')} DoH q/s  p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms  non-200 ${res.non2xx}  errors ${res.socketErrors}`);
    } catch (err) {
      out[r.id] = { label: r.label, error: err.message };
      log(`  ${r.id}: failed: ${err.message.split('\n')[0]}`);
    } finally {
      if (h) await h.stop();
    }
  }
  return out;
}
