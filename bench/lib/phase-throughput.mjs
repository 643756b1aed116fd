/**
 * Resolution throughput and latency for every DNS system, same query file,
 * same dnsperf load shape, one system at a time. All systems stay up during
 * the phase and the max-throughput runs are interleaved in rounds (A B C D,
 * A B C D, ...) so a burst of load from elsewhere on this shared machine
 * hits every system alike; each system's qps is the median of its rounds.
 */
import { dnsperfMax, dnsperfAtRate } from './dnsperf.mjs';
import { groupCpuSeconds } from './procs.mjs';
import { median } from './stats.mjs';

async function measureMax(sys, file, seconds) {
  const cpu0 = sys.handle.pgids.reduce((a, p) => a + groupCpuSeconds(p), 0);
  const t0 = process.hrtime.bigint();
  const r = await dnsperfMax({ file, port: sys.handle.port, seconds });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = sys.handle.pgids.reduce((a, p) => a + groupCpuSeconds(p), 0) - cpu0;
  return { ...r, serverCpuS: cpu, serverCores: cpu / wall, cpuUsPerQuery: r.completed > 0 ? (cpu * 1e6) / r.completed : NaN };
}

/**
 * @param {{ systems: Array<{ id: string, handle: any }>, file: string, budget: any, log: (s: string) => void, referenceId: string }} o
 */
export async function throughputPhase(o) {
  const { systems, file, budget, log } = o;
  const out = {};
  for (const s of systems) {
    out[s.id] = { rounds: [], atOwnHalf: null, levels: [] };
    await dnsperfMax({ file, port: s.handle.port, seconds: budget.warmupSeconds }); // warm caches / JIT
  }
  for (let round = 1; round <= budget.rounds; round++) {
    for (const s of systems) {
      const r = await measureMax(s, file, budget.maxSeconds);
      out[s.id].rounds.push(r);
      log(`  round ${round} ${s.id.padEnd(10)} ${Math.round(r.qps).toLocaleString('en-US').padStart(9)} qps  avg ${r.avgLatencyMs.toFixed(3)} ms  lost ${r.lost}  server CPU ${r.serverCores.toFixed(2)} cores`);
    }
  }
  for (const s of systems) {
    const rs = out[s.id].rounds;
    const med = median(rs.map((r) => r.qps));
    // The round closest to the median qps represents the system.
    const rep = rs.reduce((a, b) => (Math.abs(b.qps - med) < Math.abs(a.qps - med) ? b : a));
    out[s.id].max = { ...rep, qps: med, qpsRounds: rs.map((r) => r.qps), lostTotal: rs.reduce((a, r) => a + r.lost, 0) };
  }
  // Load levels are fractions of the reference system's (edgesteer's) max.
  const ref = out[o.referenceId]?.max.qps ?? NaN;
  for (const s of systems) {
    const own = out[s.id].max.qps;
    for (const f of budget.loadLevels) {
      const target = f * ref;
      const r = await dnsperfAtRate({ file, port: s.handle.port, seconds: budget.rateSeconds, qps: target });
      out[s.id].levels.push({ fraction: f, ...r });
      log(`  ${s.id.padEnd(10)} at ${Math.round(f * 100)}% of ${o.referenceId} max (${Math.round(target).toLocaleString('en-US')} qps): p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  lost ${r.lost}`);
    }
    const sameAsLevel = s.id === o.referenceId ? out[s.id].levels.find((l) => l.fraction === 0.5) : null;
    if (sameAsLevel) out[s.id].atOwnHalf = sameAsLevel;
    else {
      const r = await dnsperfAtRate({ file, port: s.handle.port, seconds: budget.rateSeconds, qps: own * 0.5 });
      out[s.id].atOwnHalf = { fraction: 0.5, ...r };
      log(`  ${s.id.padEnd(10)} at 50% of its own max (${Math.round(own * 0.5).toLocaleString('en-US')} qps): p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  lost ${r.lost}`);
    }
  }
  return out;
}
