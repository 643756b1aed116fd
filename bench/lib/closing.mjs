/**
 * Closing notes derived from the numbers: what each ratio means and, for a
 * missed target, what the run shows about the limit. Judgement that needs a
 * human (a profile read, a design change) belongs in bench/README.md.
 */
import { evaluateTargets } from './targets.mjs';

export function closingNotes(res) {
  const notes = [];
  const tp = res.throughput ?? {};
  const es = tp.edgesteer?.max;
  const spreads = Object.entries(tp)
    .filter(([, t]) => t.max.qpsRounds.length > 1)
    .map(([id, t]) => [id, (Math.max(...t.max.qpsRounds) - Math.min(...t.max.qpsRounds)) / t.max.qps]);
  const noisy = spreads.filter(([, sp]) => sp > 0.25);
  if (noisy.length) notes.push(`Noise: max-throughput rounds spread over 25% (max − min over median): ${noisy.map(([id, sp]) => `${id} ${(sp * 100).toFixed(0)}%`).join(', ')}; 1-min load average ${res.meta.loadStart?.[0]?.toFixed(2)} at start, ${res.meta.loadEnd?.[0]?.toFixed(2)} at end.`);
  if (tp.knot && es) {
    const k = tp.knot.max.cpuUsPerQuery;
    const g = tp.gdnsd?.max.cpuUsPerQuery;
    const cmp = Number.isFinite(g) ? (g < k ? `gdnsd needed less (${g.toFixed(1)})` : `gdnsd needed more (${g.toFixed(1)})`) : null;
    notes.push(`Knot (static record) used ${k.toFixed(1)} CPU µs per query in this run, edgesteer ${es.cpuUsPerQuery.toFixed(1)}${cmp ? `; ${cmp}` : ''}.`);
  }
  const dg = tp['edgesteer-dgram']?.max;
  if (es && dg) notes.push(`UDP paths, same run: batched ${es.cpuUsPerQuery.toFixed(1)} CPU µs/query at ${Math.round(es.qps).toLocaleString('en-US')} qps, node:dgram ${dg.cpuUsPerQuery.toFixed(1)} µs/query at ${Math.round(dg.qps).toLocaleString('en-US')} qps (${(dg.cpuUsPerQuery / es.cpuUsPerQuery).toFixed(2)}× the CPU per query).`);
  const off = Object.entries(tp).filter(([, t]) => t.standalone && Math.abs(1 - t.max.qps / t.standalone.qps) > 0.1);
  if (off.length) notes.push(`Harness vs plain dnsperf more than 10% apart: ${off.map(([id, t]) => `${id} ${(t.max.qps / t.standalone.qps).toFixed(2)}`).join(', ')}.`);
  if (es) notes.push(`Server CPU during the max runs: ${Object.entries(tp).map(([id, t]) => `${id} ${t.max.serverCores.toFixed(2)} cores (${t.max.cpuUsPerQuery.toFixed(1)} µs/query)`).join(', ')}; the whole machine ${es.machineCores?.toFixed(2) ?? '–'} of ${res.meta.cpus} cores busy during edgesteer's run.`);
  const half = (id) => tp[id]?.levels.find((l) => l.fraction === 0.5);
  if (es && half('edgesteer')) {
    const same = Object.keys(tp).filter((id) => half(id)).map((id) => `${id} p50 ${half(id).p50Ms.toFixed(3)} / p99 ${half(id).p99Ms.toFixed(3)} ms`);
    notes.push(`At 50% of edgesteer's max (${Math.round(half('edgesteer').targetQps).toLocaleString('en-US')} qps, the same rate for every system): ${same.join(', ')}.`);
  }
  for (const t of evaluateTargets(res)) {
    const cpuBound = /qps/.test(t.name);
    if (t.pass === false) notes.push(`Missed: ${t.name}: ${t.measured} (${t.result}).${cpuBound && res.profile?.rows?.length ? ` Hottest functions under load: ${res.profile.rows.slice(0, 3).map((r) => `${r.fn} ${(r.share * 100).toFixed(0)}%`).join(', ')}.` : ''}`);
  }
  const cats = res.profile?.categories;
  if (cats?.length) {
    const share = (name) => cats.find((c) => c.name === name)?.share ?? 0;
    const udp = share('UDP socket calls (node:dgram)');
    const own = share('edgesteer code');
    const gc = share('garbage collection');
    notes.push(`Where edgesteer dns's CPU goes under full load (node --cpu-prof, all processes): UDP socket calls in node:dgram ${(udp * 100).toFixed(0)}%, edgesteer's own code ${(own * 100).toFixed(0)}%, garbage collection ${(gc * 100).toFixed(0)}%, the rest Node internals and start-up.`
      + ` (profiled: ${res.profile.label ?? 'edgesteer dns'}).`);
  }
  const loadStart = res.meta.loadStart?.[0];
  if (loadStart > 0.5) notes.push(`The machine was not idle at the start (1-min load average ${loadStart.toFixed(2)}): other work competed for the same cores, so absolute numbers are low-biased; the interleaved rounds keep the ratios fair.`);
  return notes;
}
