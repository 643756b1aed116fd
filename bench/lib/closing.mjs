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
  if (tp.knot) {
    const above = Object.entries(tp).filter(([id, t]) => id !== 'knot' && t.max.qps > tp.knot.max.qps * 1.1).map(([id]) => id);
    if (above.length) notes.push(`Knot (static zone, no steering) should be the ceiling, yet ${above.join(' and ')} measured more than 10% above it: in this run other work on the machine moved the max-throughput numbers more than the servers differ (see the rounds in brackets). Treat the qps ratios as rough; rerun on a quiet machine.`);
    else if (es) notes.push(`Knot (static zone, no steering) is the ceiling for this load generator on this machine: edgesteer reaches ${(es.qps / tp.knot.max.qps).toFixed(2)}× of it.`);
  }
  if (es) {
    notes.push(`edgesteer used ${es.serverCores.toFixed(2)} cores for ${Math.round(es.qps).toLocaleString('en-US')} qps (${es.cpuUsPerQuery.toFixed(1)} µs CPU per query)${tp.gdnsd ? `; gdnsd used ${tp.gdnsd.max.cpuUsPerQuery.toFixed(1)} µs per query` : ''}. With dnsperf on the same two cores, a server that needs fewer µs per query leaves more CPU to the load generator and so shows higher qps.`);
  }
  for (const t of evaluateTargets(res)) {
    if (t.pass === false) notes.push(`Missed: ${t.name}: ${t.measured} (${t.result}).${res.profile?.rows?.length ? ` Hottest functions under load: ${res.profile.rows.slice(0, 3).map((r) => `${r.fn} ${(r.share * 100).toFixed(0)}%`).join(', ')}.` : ' Run with --profile to see where the CPU goes.'}`);
  }
  const loadStart = res.meta.loadStart?.[0];
  if (loadStart > 0.5) notes.push(`The machine was not idle at the start (1-min load average ${loadStart.toFixed(2)}): other work competed for the same cores, so absolute numbers are low-biased; the interleaved rounds keep the ratios fair.`);
  return notes;
}
