/**
 * Resolution throughput and latency for every DNS system, same query file,
 * same dnsperf load shape, one system at a time. All systems stay up during
 * the phase and the max-throughput runs are interleaved in rounds (A B C D,
 * A B C D, ...) so a burst of load from elsewhere on this shared machine
 * hits every system alike; each system's qps is the median of its rounds.
 */
import { dnsperfMax, dnsperfAtRate, dnsperfPlain } from './dnsperf.mjs';
import { REGIONS } from './scenario.mjs';
import { groupCpuSeconds, machineBusySeconds } from './procs.mjs';
import { median } from './stats.mjs';

async function measureMax(sys, file, seconds) {
  const cpu0 = sys.handle.pgids.reduce((a, p) => a + groupCpuSeconds(p), 0);
  const busy0 = machineBusySeconds();
  const t0 = process.hrtime.bigint();
  const r = await dnsperfMax({ file, port: sys.handle.port, seconds });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = sys.handle.pgids.reduce((a, p) => a + groupCpuSeconds(p), 0) - cpu0;
  const busy = machineBusySeconds() - busy0;
  // machineCores - serverCores = dnsperf + everything else on the machine.
  return { ...r, serverCpuS: cpu, serverCores: cpu / wall, machineCores: busy / wall, cpuUsPerQuery: r.completed > 0 ? (cpu * 1e6) / r.completed : NaN };
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
      log(`  round ${round} ${s.id.padEnd(10)} ${Math.round(r.qps).toLocaleString('en-US').padStart(9)} qps  avg ${r.avgLatencyMs.toFixed(3)} ms  lost ${r.lost}  server CPU ${r.serverCores.toFixed(2)} cores (machine ${r.machineCores.toFixed(2)})`);
    }
  }
  for (const s of systems) {
    const rs = out[s.id].rounds;
    const med = median(rs.map((r) => r.qps));
    // The round closest to the median qps represents the system.
    const rep = rs.reduce((a, b) => (Math.abs(b.qps - med) < Math.abs(a.qps - med) ? b : a));
    out[s.id].max = { ...rep, qps: med, qpsRounds: rs.map((r) => r.qps), lostTotal: rs.reduce((a, r) => a + r.lost, 0) };
  }
  // Standalone check: each system once more under plain dnsperf (text file,
  // one ECS for the run via -E), as peers' own throughput numbers are taken.
  // The report shows harness qps / standalone qps; within 10% means the
  // harness does not hold a system back.
  if (o.textFile) {
    for (const s of systems) {
      const r = await dnsperfPlain({ textFile: o.textFile, port: s.handle.port, seconds: budget.maxSeconds, ecs: REGIONS[1].ecs });
      out[s.id].standalone = { qps: r.qps, lost: r.lost, args: r.args.replace(String(s.handle.port), 'PORT').replace(o.textFile, 'queries.txt') };
      log(`  standalone ${s.id.padEnd(16)} ${Math.round(r.qps).toLocaleString('en-US').padStart(9)} qps (harness median ${Math.round(out[s.id].max.qps).toLocaleString('en-US')}, ratio ${(out[s.id].max.qps / r.qps).toFixed(2)})`);
    }
  }
  // Fixed-rate points: fractions of the reference system's (edgesteer's) max,
  // the same absolute rate for everyone, plus 50% of each system's own max.
  // Interleaved in rounds like the max runs; per point the median p50/p99 of
  // the rounds is reported (and the worst p99), so one burst of other work
  // on the machine does not decide a system's tail.
  const ref = out[o.referenceId]?.max.qps ?? NaN;
  const points = new Map();
  for (const s of systems) {
    const list = budget.loadLevels.map((f) => ({ key: `ref-${f}`, fraction: f, qps: f * ref, of: o.referenceId }));
    if (s.id !== o.referenceId) list.push({ key: 'own-0.5', fraction: 0.5, qps: 0.5 * out[s.id].max.qps, of: 'own' });
    points.set(s.id, list.map((p) => ({ ...p, segments: [] })));
  }
  for (let round = 1; round <= budget.rateRounds; round++) {
    for (const s of systems) {
      for (const p of points.get(s.id)) {
        p.segments.push(await dnsperfAtRate({ file, port: s.handle.port, seconds: budget.rateSeconds, qps: p.qps }));
      }
    }
  }
  for (const s of systems) {
    for (const p of points.get(s.id)) {
      const r = combineSegments(p);
      if (p.of === 'own') out[s.id].atOwnHalf = r;
      else out[s.id].levels.push(r);
      log(`  ${s.id.padEnd(10)} at ${Math.round(p.fraction * 100)}% of ${p.of === 'own' ? 'its own' : `${o.referenceId}'s`} max (${Math.round(p.qps).toLocaleString('en-US')} qps): p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms${r.rounds > 1 ? ` (worst round ${r.p99WorstMs.toFixed(3)} ms)` : ''}  lost ${r.lost}`);
    }
    if (s.id === o.referenceId) out[s.id].atOwnHalf = out[s.id].levels.find((l) => l.fraction === 0.5) ?? null;
  }
  return out;
}

/** One load point from its rounds: medians of p50/p99, worst p99, lost and sent summed. */
function combineSegments(p) {
  const seg = p.segments;
  return {
    fraction: p.fraction,
    targetQps: Math.round(p.qps),
    rounds: seg.length,
    qps: median(seg.map((x) => x.qps)),
    p50Ms: median(seg.map((x) => x.p50Ms)),
    p99Ms: median(seg.map((x) => x.p99Ms)),
    p99WorstMs: Math.max(...seg.map((x) => x.p99Ms)),
    p999Ms: median(seg.map((x) => x.p999Ms)),
    lost: seg.reduce((a, x) => a + x.lost, 0),
    sent: seg.reduce((a, x) => a + x.sent, 0),
    segments: seg.map((x) => ({ qps: x.qps, p50Ms: x.p50Ms, p99Ms: x.p99Ms, p999Ms: x.p999Ms, lost: x.lost, sent: x.sent })),
  };
}
