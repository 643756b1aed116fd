/**
 * The markdown report (bench/results/latest-report.md) and the short table
 * printed at the end of a run.
 */
import { evaluateTargets } from './targets.mjs';
import { MIX } from './querymix.mjs';
import { DNSPERF_LOAD } from './dnsperf.mjs';
import { POLL_MS } from './failover.mjs';

const n = (v, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
const ms = (v, d = 3) => (Number.isFinite(v) ? `${v.toFixed(d)} ms` : '–');
const sec = (v) => (v === null || v === undefined ? 'timeout' : Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '–');

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function throughputTable(res) {
  const tp = res.throughput ?? {};
  const g = tp.gdnsd?.max?.qps;
  const pd = tp.pdns?.max?.qps;
  return table(
    ['System', 'qps (median)', '× gdnsd', '× PowerDNS-LUA', 'avg latency', 'p99 @ 50% own max', 'lost (max runs)', 'server CPU (machine)', 'CPU µs/query'],
    Object.entries(tp).map(([id, t]) => [
      res.labels[id] ?? id,
      `${n(t.max.qps)}${t.max.qpsRounds.length > 1 ? ` (${t.max.qpsRounds.map((q) => n(q / 1000, 0) + 'k').join(', ')})` : ''}`,
      g ? `${(t.max.qps / g).toFixed(2)}×` : '–',
      pd ? `${(t.max.qps / pd).toFixed(2)}×` : '–',
      ms(t.max.avgLatencyMs),
      t.atOwnHalf ? ms(t.atOwnHalf.p99Ms) : '–',
      n(t.max.lostTotal),
      `${t.max.serverCores.toFixed(2)} cores${Number.isFinite(t.max.machineCores) ? ` (${t.max.machineCores.toFixed(2)})` : ''}`,
      n(t.max.cpuUsPerQuery, 1),
    ]),
  );
}

/** Harness qps against plain dnsperf (standalone) per system. */
export function standaloneTable(res) {
  const tp = res.throughput ?? {};
  const rows = Object.entries(tp).filter(([, t]) => t.standalone).map(([id, t]) => {
    const ratio = t.max.qps / t.standalone.qps;
    return [res.labels[id] ?? id, n(t.max.qps), n(t.standalone.qps), `${ratio.toFixed(2)}`, Math.abs(1 - ratio) <= 0.1 ? 'within 10%' : `off by ${Math.round(Math.abs(1 - ratio) * 100)}%`];
  });
  return rows.length ? table(['System', 'harness qps (median)', 'plain dnsperf qps', 'harness / plain', ''], rows) : '';
}

export function memoryTable(res) {
  const rows = Object.entries(res.memory ?? {}).map(([id, x]) => [
    x.label ?? id,
    `${x.afterStart.rssMb.toFixed(1)} MB (anon ${x.afterStart.anonMb.toFixed(1)}, file ${x.afterStart.fileMb.toFixed(1)})`,
    `${x.afterLoad.rssMb.toFixed(1)} MB (anon ${x.afterLoad.anonMb.toFixed(1)}, file ${x.afterLoad.fileMb.toFixed(1)})`,
    `${x.afterLoad.pssMb.toFixed(1)} MB`,
    String(x.afterLoad.processes),
    `${x.loadSeconds} s at ${n(x.loadQps)} qps`,
  ]);
  return table(['edgesteer dns', 'RSS after start', 'RSS after full load', 'PSS after load', 'processes', 'load'], rows);
}

export function cliTable(res) {
  const rows = Object.values(res.cli ?? {}).map((c) => [`\`${c.title}\``, `${c.minMs.toFixed(0)} ms`, `${c.medianMs.toFixed(0)} ms`, `${c.maxMs.toFixed(0)} ms`, String(c.runs.length)]);
  return table(['Command', 'min', 'median', 'max', 'runs'], rows);
}

export function historyTable(res) {
  const rows = (res.history?.recent ?? []).slice().reverse().map((h) => {
    const es = h.systems?.edgesteer;
    const g = h.systems?.gdnsd;
    return [h.startedAt, h.mode, (h.loadStart ?? []).slice(0, 1).map((x) => x?.toFixed(2)).join('') + ' → ' + (h.loadEnd ?? []).slice(0, 1).map((x) => x?.toFixed(2)).join(''), es ? n(es.qps) : '–', es && g ? `${(es.qps / g.qps).toFixed(2)}×` : '–', es?.p99AtOwnHalfMs != null ? ms(es.p99AtOwnHalfMs) : '–', h.memory?.edgesteer ? `${h.memory.edgesteer.rssLoadedMb} MB` : '–'];
  });
  return table(['Run', 'mode', '1-min load start → end', 'edgesteer qps', '× gdnsd', 'edgesteer p99 @ 50%', 'RSS after load'], rows);
}

function levelsTable(res) {
  const tp = res.throughput ?? {};
  const levels = res.meta.loadLevels;
  const ref = tp[res.meta.referenceId]?.max?.qps;
  return table(
    ['System', ...levels.map((f) => `${Math.round(f * 100)}% (${n(f * ref)} qps): p50 / p99 / lost`)],
    Object.entries(tp).map(([id, t]) => [
      res.labels[id] ?? id,
      ...levels.map((f) => {
        const l = t.levels.find((x) => x.fraction === f);
        if (!l) return '–';
        const worst = l.rounds > 1 ? ` (worst ${ms(l.p99WorstMs)})` : '';
        return `${ms(l.p50Ms)} / ${ms(l.p99Ms)}${worst} / ${n(l.lost)}${l.qps < 0.97 * l.targetQps ? ` (got ${n(l.qps)} qps)` : ''}`;
      }),
    ]),
  );
}

export function failoverTable(res) {
  const rows = [];
  for (const [id, bySetting] of Object.entries(res.failover ?? {})) {
    for (const [setting, r] of Object.entries(bySetting)) {
      if (r.error) { rows.push([r.label ?? id, setting, r.describe, '–', `error: ${r.error.split('\n')[0]}`, '', '', '']); continue; }
      rows.push([
        r.label ?? id, setting, r.describe, String(r.trials),
        r.failoverMedianMs === null ? `> ${sec(r.failoverTimeoutMs)}` : sec(r.failoverMedianMs), r.failoverWorstMs === null ? `> ${sec(r.failoverTimeoutMs)}` : sec(r.failoverWorstMs),
        `${r.recoveryMedianMs === null ? `> ${sec(r.recoveryTimeoutMs)}` : sec(r.recoveryMedianMs)}${r.verdictUpMedianMs !== undefined ? ` (own health verdict up: ${r.verdictUpMedianMs === null ? 'timeout' : sec(r.verdictUpMedianMs)})` : ''}`,
        r.recoveryWorstMs === null ? `> ${sec(r.recoveryTimeoutMs)}` : sec(r.recoveryWorstMs),
      ]);
    }
  }
  return table(['System', 'setting', 'check settings', 'trials', 'failover median', 'failover worst', 'recovery median', 'recovery worst'], rows);
}

function workerTable(res) {
  const rows = Object.entries(res.worker ?? {}).map(([id, w]) => w.error
    ? [w.label ?? id, '–', '–', '–', '–', `error: ${w.error.split('\n')[0]}`]
    : [w.label ?? id, n(w.rps), ms(w.p50Ms), ms(w.p99Ms), `${n(w.non2xx)} / ${n(w.socketErrors)}`, `${w.tool}, ${w.connections} connections, ${w.seconds} s`]);
  return table(['Runtime', 'DoH queries/s', 'p50', 'p99', 'non-200 / socket errors', 'load'], rows);
}

export function renderReport(res) {
  const m = res.meta;
  const lines = [];
  lines.push(`# edgesteer benchmark: ${m.mode} run, ${m.startedAt}`);
  lines.push('');
  lines.push(`Machine: ${m.cpus} × ${m.cpuModel}, Linux ${m.kernel}; load average ${m.loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadEnd.map((x) => x.toFixed(2)).join(' ')} at end. Node ${m.node}; ${m.versions.join('; ')}.`);
  lines.push('');
  lines.push(`This is a shared ${m.cpus}-core machine: absolute numbers move by ±15% between runs; the ratios within one run are the point. dnsperf, the servers and the bench share the same cores, so every qps here is "server + load generator on ${m.cpus} cores", not the server alone.${m.nice ? ` Servers, dnsperf and wrk ran at nice ${m.nice} (all systems alike) to keep other work on the machine from disturbing the comparison.` : ''} Run time ${(m.durationS / 60).toFixed(1)} min.`);
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push(table(['Target', 'Measured', 'Result'], evaluateTargets(res).map((t) => [t.name, t.measured, t.result])));
  lines.push('');
  if (Object.keys(res.unavailable ?? {}).length) {
    lines.push('Not measured in this run:');
    for (const [id, why] of Object.entries(res.unavailable)) lines.push(`- **${id}**: ${why}`);
    lines.push('');
  }
  if (res.throughput && Object.keys(res.throughput).length) {
    lines.push('## Resolution throughput');
    lines.push('');
    lines.push(`dnsperf 2.10, ${DNSPERF_LOAD.clients} client sockets, ${DNSPERF_LOAD.outstanding} queries outstanding, ${m.maxSeconds} s per run, ${m.rounds} interleaved round(s) per system (median shown, rounds in brackets). Query file: ${m.queryCount} queries in dnsperf's binary format so every query carries its own ECS option (three regions in rotation); per 20 queries ${MIX.steered} steered (cdn.example.com A), ${MIX.static} static (SOA, NS, glue A), ${MIX.nxdomain} NXDOMAIN. Servers run ${m.threads} threads/workers each. Server CPU = user+system time of the server's processes during the run (from /proc/<pid>/stat), in cores; in brackets the whole machine's busy cores (/proc/stat), i.e. server + dnsperf + anything else running: near ${m.cpus}.00 means the run was CPU-bound.`);
    lines.push('');
    lines.push(throughputTable(res));
    lines.push('');
    if (res.commands || res.configs) {
      lines.push('How each system ran:');
      lines.push('');
      for (const [id, c] of Object.entries(res.commands ?? {})) lines.push(`- **${id}**: \`${c}\``);
      for (const [id, c] of Object.entries(res.configs ?? {})) lines.push(`- **${id}**: ${c}`);
      lines.push('');
    }
    const st = standaloneTable(res);
    if (st) {
      lines.push(`### Each system under plain dnsperf`);
      lines.push('');
      lines.push(`The same servers, once more with plain dnsperf as a peer's own throughput numbers are usually taken: a text query file with the same names, one ECS option for the whole run (\`-E\`, ${res.throughput[Object.keys(res.throughput)[0]]?.standalone?.args ?? ''}). Within 10% means the harness (binary file, per-query ECS, ${DNSPERF_LOAD.outstanding} outstanding) does not hold a system back.`);
      lines.push('');
      lines.push(st);
      lines.push('');
    }
    lines.push('## Latency under load');
    lines.push('');
    lines.push(`dnsperf -Q at fixed rates, every response's latency recorded (-v), ${m.rateSeconds} s per point${m.rateRounds > 1 ? `, ${m.rateRounds} interleaved rounds per point: p50 and p99 are the medians of the rounds, "worst" the highest round's p99` : ''}. Rates are fractions of ${m.referenceId}'s max qps from this run, the same absolute rate for every system.`);
    lines.push('');
    lines.push(levelsTable(res));
    lines.push('');
  }
  if (res.memory && Object.keys(res.memory).length) {
    lines.push('## Memory of edgesteer dns');
    lines.push('');
    lines.push(`\`edgesteer dns --workers 1\` (one process: the server's own footprint; with --workers N the primary and each worker are a Node process of this size), from /proc/<pid>/status and smaps_rollup: RSS split into anonymous memory (heap, stacks) and file-backed pages (mostly the node binary, shared by every Node process); PSS divides shared pages among the processes sharing them. "After start": 2 s after the first answer; "after full load": right after the dnsperf run shown.`);
    lines.push('');
    lines.push(memoryTable(res));
    lines.push('');
  }
  if (res.cli && Object.keys(res.cli).length) {
    lines.push('## CLI start-up');
    lines.push('');
    lines.push('Wall time of the built command with the project\'s Node, each run 5 times after one untimed run.');
    lines.push('');
    lines.push(cliTable(res));
    lines.push('');
  }
  if (res.failover && Object.keys(res.failover).length) {
    lines.push('## Failover');
    lines.push('');
    lines.push(`Clients of region ${m.failoverRegion} (ECS ${m.failoverSubnet}) ask every ${POLL_MS} ms; the edge the system answers is killed (its listener closed: connections refused) at a random point of the check cycle; failover = time until the answer no longer contains it; recovery = time from reviving it until the answer contains it again, for every system (where a system reports its own health verdict, the time until it counts the edge as up is shown in brackets). Settings: \`equal\` = the same check settings for everyone (1 s interval — gdnsd's minimum is 2 s —, one failed check = down, one success = up, one vantage point: edgesteer runs a single probe with quorum 1); \`fastest\` and \`default\` = each system's own fastest and default. Knot has no health checks and is left out.`);
    lines.push('');
    lines.push(failoverTable(res));
    lines.push('');
    const notes = [];
    for (const [id, bySetting] of Object.entries(res.failover)) for (const [s, r] of Object.entries(bySetting)) for (const note of r.notes ?? []) notes.push(`- ${id} (${s}): ${note}`);
    if (notes.length) { lines.push(...notes); lines.push(''); }
  }
  if (res.worker && Object.keys(res.worker).length) {
    lines.push('## The Worker (DNS-over-HTTPS)');
    lines.push('');
    lines.push('RFC 8484 GET /dns-query over plain HTTP on loopback, the three regions\' ECS queries in rotation, keep-alive connections.');
    lines.push('');
    lines.push(workerTable(res));
    lines.push('');
  }
  if (res.micro && Object.keys(res.micro).length) {
    lines.push('## Micro-benchmarks');
    lines.push('');
    for (const b of Object.values(res.micro)) {
      lines.push(`### ${b.title}`);
      lines.push('');
      if (!b.available) lines.push(`Not available: ${b.reason}.`);
      else if (!b.ok) lines.push(`Failed: ${b.reason}.`);
      // Their headings sit under ours: push them down two levels.
      else lines.push(b.markdown.replace(/^(#{1,4}) /gm, '$1## '));
      lines.push('');
    }
  }
  if (res.profile) {
    lines.push('## Where edgesteer dns spends its CPU');
    lines.push('');
    lines.push(res.profile.markdown);
    lines.push('');
  }
  if (res.closing?.length) {
    lines.push('## Closing notes');
    lines.push('');
    for (const c of res.closing) lines.push(`- ${c}`);
    lines.push('');
  }
  if (res.history?.runs) {
    lines.push('## Run history');
    lines.push('');
    lines.push(`${res.history.runs} run(s) in [${res.history.file}](${res.history.file}) (${res.history.full} full, ${res.history.quick} quick); this report is the latest (${m.startedAt}), not the quietest. The last ${res.history.recent.length}, newest first:`);
    lines.push('');
    lines.push(historyTable(res));
    lines.push('');
  }
  lines.push(`Raw numbers: [latest.json](latest.json). Chart: [latest-chart.svg](latest-chart.svg).`);
  lines.push('');
  return lines.join('\n');
}

/** The short table printed at the end of a run. */
export function consoleSummary(res) {
  const parts = [];
  if (res.throughput && Object.keys(res.throughput).length) parts.push(throughputTable(res));
  if (res.failover && Object.keys(res.failover).length) parts.push(failoverTable(res));
  if (res.memory && Object.keys(res.memory).length) parts.push(memoryTable(res));
  if (res.cli && Object.keys(res.cli).length) parts.push(cliTable(res));
  if (res.worker && Object.keys(res.worker).length) parts.push(workerTable(res));
  parts.push(table(['Target', 'Measured', 'Result'], evaluateTargets(res).map((t) => [t.name, t.measured, t.result])));
  return parts.join('\n\n');
}
