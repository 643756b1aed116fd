/**
 * Every process the bench starts goes through here, so every one of them is
 * stopped again: on normal completion, on an error, and on Ctrl-C.
 *
 * Each child gets its own process group (detached) so that stopping it also
 * stops what it forked (edgesteer --workers N, wrangler → workerd); the group
 * is addressed by the child's PID, never by a process name.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Scheduling priority for everything the bench measures (servers, dnsperf,
 * wrk): a negative nice value lifts them above other work on a shared
 * machine, the same for every system, so neighbours' CPU bursts disturb the
 * comparison less. 0 = leave priorities alone (also when not root).
 */
let niceValue = 0;
export function setPriorityBoost(n) {
  niceValue = typeof process.getuid === 'function' && process.getuid() === 0 ? n : 0;
  return niceValue;
}
/** [cmd, args] wrapped in `nice -n N` when a boost is set (nice execs: same PID). */
export function niceWrap(cmd, args) {
  return niceValue === 0 ? [cmd, args] : ['nice', ['-n', String(niceValue), cmd, ...args]];
}

/** @type {Map<number, {name: string, child: import('node:child_process').ChildProcess}>} */
const live = new Map();
let hooksInstalled = false;

function killGroupSync(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** Synchronous clean-ups run at exit, also after Ctrl-C (e.g. removing the temp dir). */
const exitHooks = [];
export function onExit(fn) { installHooks(); exitHooks.push(fn); }

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const reapAll = () => {
    for (const pid of live.keys()) killGroupSync(pid, 'SIGKILL');
    live.clear();
    for (const fn of exitHooks.splice(0)) { try { fn(); } catch { /* best effort at exit */ } }
  };
  process.on('exit', reapAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n[bench] ${sig}: stopping ${live.size} process(es)`);
      reapAll();
      process.exit(130);
    });
  }
}

/**
 * Starts a process in its own group, output to `logFile`.
 * @param {string} name label for logs and errors
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, logFile: string }} opts
 */
export function startProcess(name, cmd, args, opts) {
  installHooks();
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const [c, a] = niceWrap(cmd, args);
  const child = spawn(c, a, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`E_BENCH_SPAWN: could not start ${name} (${cmd}): is it installed?`);
  const pid = child.pid;
  live.set(pid, { name, child });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(pid);
      resolve(exited);
    });
  });
  child.on('error', () => { /* reported through exit / readiness checks */ });
  return {
    name,
    pid,
    logFile: opts.logFile,
    get exited() { return exited; },
    exitPromise,
    /**
     * SIGTERM to the process itself (so a primary can shut its workers down
     * cleanly, and `--cpu-prof` can write its profiles), then SIGKILL to the
     * whole group after `graceMs`, and to any group member left behind.
     */
    async stop(graceMs = 3000) {
      if (exited) { killGroupSync(pid, 'SIGKILL'); log.end(); return exited; }
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      const res = await Promise.race([exitPromise, sleep(graceMs).then(() => null)]);
      if (!res) {
        killGroupSync(pid, 'SIGKILL');
        await Promise.race([exitPromise, sleep(2000)]);
      }
      // Stray group members (e.g. forked workers that ignored SIGTERM).
      killGroupSync(pid, 'SIGKILL');
      live.delete(pid);
      log.end();
      return exited;
    },
  };
}

/**
 * Registers a short-lived child (dnsperf, wrk, a micro-benchmark) spawned
 * elsewhere with `detached: true`, so Ctrl-C stops it too.
 */
export function track(name, child) {
  installHooks();
  if (child.pid === undefined) return child;
  const pid = child.pid;
  live.set(pid, { name, child });
  child.on('exit', () => live.delete(pid));
  return child;
}

/** Number of processes started and not yet stopped (for the final check). */
export function liveCount() { return live.size; }

/** Stops every process still running (error paths). */
export async function stopAll() {
  for (const pid of [...live.keys()]) killGroupSync(pid, 'SIGKILL');
  live.clear();
}

const CLK_TCK = 100; // Linux USER_HZ; /proc stat times are in these ticks.

/**
 * CPU seconds (user+system) used so far by every process in a process group,
 * read from /proc/<pid>/stat. Threads are included in their process's times.
 */
export function groupCpuSeconds(pgid) {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    // comm may contain spaces and parens: fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(rest[2]);
    if (pgrp !== pgid) continue;
    ticks += Number(rest[11]) + Number(rest[12]);
  }
  return ticks / CLK_TCK;
}

/** Returns the last `n` lines of a log file (for error messages). */
export function tailLog(file, n = 15) {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch { return '(no log)'; }
}

/**
 * Busy CPU seconds of the whole machine so far (all cores: user, nice,
 * system, irq, softirq, steal), from /proc/stat. The delta over a run shows
 * whether the run was CPU-bound (close to cores × seconds).
 */
export function machineBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / CLK_TCK;
}
