/**
 * The targets, evaluated against one run's numbers: each says pass,
 * miss (with by how much), or not measured (with why).
 */

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

function ratioTarget(name, value, target, unit = '×', lowerIsBetter = false) {
  if (!Number.isFinite(value)) return { name, measured: 'not measured', result: 'n/a' };
  const pass = lowerIsBetter ? value <= target : value >= target;
  const rel = lowerIsBetter ? (target - value) / target : (value - target) / target;
  const shown = unit === '×' ? `${value.toFixed(2)}×` : `${value.toFixed(3)} ${unit}`;
  const factor = lowerIsBetter ? value / target : target / value;
  const miss = factor >= 2 ? `MISS (${factor.toFixed(1)}× ${lowerIsBetter ? 'over' : 'under'} the target)` : `MISS by ${pct(-rel).replace('+', '')}`;
  return { name, measured: shown, result: pass ? `pass (${pct(rel)} margin)` : miss, pass, gap: rel };
}

export function evaluateTargets(res) {
  const out = [];
  const tp = res.throughput ?? {};
  const es = tp.edgesteer;
  const why = res.unavailable?.edgesteer ? `not measured: ${res.unavailable.edgesteer}` : 'not measured';
  const na = (name) => ({ name, measured: why, result: 'n/a' });
  if (es && tp.gdnsd) out.push(ratioTarget('edgesteer qps ≥ 0.8 × gdnsd (goal 1.0×)', es.max.qps / tp.gdnsd.max.qps, 0.8));
  else out.push(na('edgesteer qps ≥ 0.8 × gdnsd (goal 1.0×)'));
  if (es && tp.pdns) out.push(ratioTarget('edgesteer qps ≥ 2 × PowerDNS-LUA', es.max.qps / tp.pdns.max.qps, 2));
  else out.push(na('edgesteer qps ≥ 2 × PowerDNS-LUA'));
  if (es?.atOwnHalf) {
    const t = ratioTarget('edgesteer p99 ≤ 0.5 ms at 50% of its max', es.atOwnHalf.p99Ms, 0.5, 'ms', true);
    // The same absolute rate against the peers shows how much of the tail is
    // this machine (scheduling on 2 shared cores) rather than the server.
    const refs = Object.keys(tp).filter((id) => id !== 'edgesteer').map((id) => {
      const l = tp[id].levels.find((x) => x.fraction === 0.5);
      return l ? `${id} ${l.p99Ms.toFixed(3)} ms` : null;
    }).filter(Boolean);
    if (refs.length) t.measured += ` (same rate: ${refs.join(', ')})`;
    out.push(t);
  }
  else out.push(na('edgesteer p99 ≤ 0.5 ms at 50% of its max'));
  const mem = res.memory?.edgesteer;
  if (mem) {
    const worst = Math.max(mem.afterStart.rssMb, mem.afterLoad.rssMb);
    const t = ratioTarget(`edgesteer dns RSS ≤ 60 MB after start and after ${mem.loadSeconds} s full load`, worst, 60, 'MB', true);
    t.measured = `${mem.afterStart.rssMb.toFixed(1)} / ${mem.afterLoad.rssMb.toFixed(1)} MB (${mem.afterLoad.processes} process(es); anon ${mem.afterLoad.anonMb.toFixed(1)} MB)`;
    out.push(t);
  } else out.push(na('edgesteer dns RSS ≤ 60 MB'));
  for (const c of Object.values(res.cli ?? {})) {
    const t = ratioTarget(`\`${c.title}\` ≤ 150 ms (median of ${c.runs.length})`, c.medianMs, 150, 'ms', true);
    t.measured = `${c.medianMs.toFixed(0)} ms (min ${c.minMs.toFixed(0)}, max ${c.maxMs.toFixed(0)})`;
    out.push(t);
  }
  if (es) {
    const runs = [...es.rounds, ...es.levels];
    const lost = runs.reduce((a, r) => a + (r.lost || 0), 0);
    const sent = runs.reduce((a, r) => a + (r.sent || 0), 0);
    out.push({ name: 'edgesteer: zero lost queries (all dnsperf runs)', measured: `${lost} lost of ${sent.toLocaleString('en-US')}`, result: lost === 0 ? 'pass' : `MISS by ${lost} queries (${((lost / sent) * 100).toFixed(4)}%)`, pass: lost === 0 });
  } else out.push(na('edgesteer: zero lost queries'));
  const fo = res.failover?.edgesteer?.fastest;
  if (fo && !fo.error && fo.failoverMedianMs === null) {
    out.push({ name: 'edgesteer failover ≤ 1.5 s median (fastest settings, quorum 2 of 3)', measured: `no failover within ${fo.failoverTimeoutMs / 1000} s in most trials`, result: 'MISS', pass: false });
  } else if (fo && !fo.error) {
    const t = ratioTarget('edgesteer failover ≤ 1.5 s median (fastest settings, quorum 2 of 3)', fo.failoverMedianMs / 1000, 1.5, 's', true);
    out.push(t);
  } else out.push({ name: 'edgesteer failover ≤ 1.5 s median (fastest, quorum)', measured: fo?.error ? `error: ${fo.error.split('\n')[0]}` : (res.unavailable?.['edgesteer-stack'] ? `not measured: ${res.unavailable['edgesteer-stack']}` : 'not measured'), result: 'n/a' });
  return out;
}
