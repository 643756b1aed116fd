/**
 * Memory of a process group from /proc: resident set (VmRSS), its anonymous
 * part (heap, stacks: what the server itself allocated) and its file-backed
 * part (mostly the node binary's pages, shared by every Node process and
 * reclaimable), and PSS (shared pages divided among the processes sharing
 * them, so a group of workers is not counted N times for one binary).
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Parses the `Key:   123 kB` lines of /proc/<pid>/status or smaps_rollup into kB numbers. */
export function parseKbFields(text) {
  const out = {};
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** PIDs whose process group is `pgid`. */
export function groupPids(pgid) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

/** Memory of every process in the group, in MB: per process and summed. */
export function groupMemoryMb(pgid) {
  const procs = [];
  for (const pid of groupPids(pgid)) {
    try {
      const st = parseKbFields(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const sm = parseKbFields(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      procs.push({ pid, rssMb: (st.VmRSS ?? 0) / 1024, anonMb: (st.RssAnon ?? 0) / 1024, fileMb: (st.RssFile ?? 0) / 1024, pssMb: (sm.Pss ?? 0) / 1024 });
    } catch { /* gone */ }
  }
  const sum = (k) => procs.reduce((a, p) => a + p[k], 0);
  return { processes: procs.length, rssMb: sum('rssMb'), anonMb: sum('anonMb'), fileMb: sum('fileMb'), pssMb: sum('pssMb'), perProcess: procs };
}
