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
  if (noisy.length) notes.push(`Noise: the max-throughput rounds of ${noisy.map(([id, sp]) => `${id} spread ${(sp * 100).toFixed(0)}%`).join(', ')} (max − min over median). Other work on this machine moved single runs by more than the ±15% the ratios assume; the medians of interleaved rounds are the fairest numbers this run has, and CPU µs per query (which noise moves less) backs them up.`);
  if (tp.knot && es) notes.push(`Knot answers a static record (no steering, no ECS-dependent answer): ${tp.knot.max.cpuUsPerQuery.toFixed(1)} CPU µs per query here, against edgesteer's ${es.cpuUsPerQuery.toFixed(1)}${tp.gdnsd ? ` and gdnsd's ${tp.gdnsd.max.cpuUsPerQuery.toFixed(1)}` : ''}. It is a baseline for "a plain authoritative answer in C", not a strict ceiling: with ECS in every query gdnsd can need less CPU per answer than Knot.`);
  if (es) {
    notes.push(`edgesteer used ${es.serverCores.toFixed(2)} cores for ${Math.round(es.qps).toLocaleString('en-US')} qps (${es.cpuUsPerQuery.toFixed(1)} µs CPU per query)${tp.gdnsd ? `; gdnsd used ${tp.gdnsd.max.cpuUsPerQuery.toFixed(1)} µs per query` : ''}. With dnsperf on the same two cores, a server that needs fewer µs per query leaves more CPU to the load generator and so shows higher qps: max qps here measures CPU per query (server plus its share of dnsperf), not a server running out of cores (the busiest server used ${Math.max(...Object.values(tp).map((t) => t.max.serverCores)).toFixed(2)} of ${res.meta.cpus} cores while the machine as a whole was busy).`);
  }
  const half = (id) => tp[id]?.levels.find((l) => l.fraction === 0.5);
  if (es && half('edgesteer') && half('edgesteer').p99Ms > 1) {
    const peers = ['knot', 'gdnsd'].filter((id) => half(id));
    const over = peers.filter((id) => half(id).p99Ms > 1);
    if (peers.length && over.length === peers.length) {
      notes.push(`p99 at 50% load: every server is above 1 ms at the same rate here (${[...peers, 'edgesteer'].map((id) => `${id} ${half(id).p99Ms.toFixed(2)} ms`).join(', ')}), while the median stays low (edgesteer p50 ${half('edgesteer').p50Ms.toFixed(2)} ms): the tail is mostly this shared 2-core machine descheduling the server or dnsperf for a few ms, not per-query work.${half('knot') && half('edgesteer').p99Ms > half('knot').p99Ms ? ` edgesteer's own share is at most the difference to Knot (${(half('edgesteer').p99Ms - half('knot').p99Ms).toFixed(2)} ms).` : ' In this run edgesteer\'s tail was not worse than Knot\'s at the same rate.'}`);
    }
  }
  for (const t of evaluateTargets(res)) {
    if (t.pass === false) notes.push(`Missed: ${t.name}: ${t.measured} (${t.result}).${res.profile?.rows?.length ? ` Hottest functions under load: ${res.profile.rows.slice(0, 3).map((r) => `${r.fn} ${(r.share * 100).toFixed(0)}%`).join(', ')}.` : ' Run with --profile to see where the CPU goes.'}`);
  }
  const cats = res.profile?.categories;
  if (cats?.length) {
    const share = (name) => cats.find((c) => c.name === name)?.share ?? 0;
    const udp = share('UDP socket calls (node:dgram)');
    const own = share('edgesteer code');
    const gc = share('garbage collection');
    notes.push(`Where edgesteer dns's CPU goes under full load (node --cpu-prof, all processes): UDP socket calls in node:dgram ${(udp * 100).toFixed(0)}%, edgesteer's own code ${(own * 100).toFixed(0)}%, garbage collection ${(gc * 100).toFixed(0)}%, the rest Node internals and start-up.`
      + (udp > own
        ? ' The answer itself (template lookup, id patch) is cheap; the cost is one sendmsg() per response and libuv/JS overhead per datagram, which node:dgram cannot batch (no sendmmsg/recvmmsg). Closing the gap to gdnsd means fewer syscalls and fewer JS↔C crossings per answer: batched sends through a native addon, or a C/Rust fast path behind the same precomputed answer templates, not faster JavaScript.'
        : ' The server\'s own code dominates: optimise the per-query path (parsing, lookup, copying) first.'));
  }
  const loadStart = res.meta.loadStart?.[0];
  if (loadStart > 0.5) notes.push(`The machine was not idle at the start (1-min load average ${loadStart.toFixed(2)}): other work competed for the same cores, so absolute numbers are low-biased; the interleaved rounds keep the ratios fair.`);
  return notes;
}
