/**
 * bench/results/history.jsonl: one line per `npm run bench` run (full or
 * quick, marked), appended at the end of every run, with the machine's load,
 * so a report can say how many runs exist and show the latest next to the
 * earlier ones instead of only the quietest.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const r1 = (v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
const r3 = (v) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

/** The summary line kept for one run. */
export function historyEntry(res) {
  const m = res.meta;
  const tp = res.throughput ?? {};
  const systems = {};
  for (const [id, t] of Object.entries(tp)) {
    systems[id] = { qps: Math.round(t.max.qps), cpuUsPerQuery: r1(t.max.cpuUsPerQuery), p99AtOwnHalfMs: r3(t.atOwnHalf?.p99Ms), lost: t.max.lostTotal };
  }
  const mem = {};
  for (const [id, x] of Object.entries(res.memory ?? {})) mem[id] = { rssStartMb: r1(x.afterStart.rssMb), rssLoadedMb: r1(x.afterLoad.rssMb), pssLoadedMb: r1(x.afterLoad.pssMb) };
  const cli = {};
  for (const [id, c] of Object.entries(res.cli ?? {})) cli[id] = { medianMs: r1(c.medianMs), minMs: r1(c.minMs), maxMs: r1(c.maxMs) };
  const failover = {};
  for (const [id, by] of Object.entries(res.failover ?? {})) for (const [s, r] of Object.entries(by)) if (!r.error) failover[`${id}/${s}`] = { medianMs: r.failoverMedianMs, recoveryMedianMs: r.recoveryMedianMs };
  return {
    startedAt: m.startedAt,
    mode: m.mode,
    durationS: Math.round(m.durationS ?? 0),
    loadStart: m.loadStart?.map(r3),
    loadEnd: m.loadEnd?.map(r3),
    cpus: m.cpus,
    node: m.node,
    systems,
    memory: mem,
    cli,
    failover,
  };
}

/** Every entry of the history file (lines that do not parse are skipped). */
export function readHistory(file) {
  if (!existsSync(file)) return [];
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* a torn line from an interrupted write: skip it */ }
  }
  return out;
}

/** Appends one run; returns the whole history including it. */
export function appendHistory(file, entry) {
  appendFileSync(file, JSON.stringify(entry) + '\n');
  return readHistory(file);
}
