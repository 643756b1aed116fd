/**
 * Real edgesteer processes for the chaos tests: the built CLI under the test
 * runner's Node 24, JSON log lines collected from stdout and stderr, resident
 * memory read from /proc, SIGKILL on demand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; event?: string };

export interface ChaosProc {
  name: string;
  child: ChildProcess;
  pid: number;
  logs: LogLine[];
  /** Non-JSON output (usage errors, stack traces). */
  text(): string;
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Resident set size in MB (0 once the process is gone). */
  rssMb(): number;
  readonly exited: Promise<number | null>;
  alive(): boolean;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const all = new Set<ChaosProc>();

/** Kills every process started here that is still running (afterAll safety net). */
export function killAll(): void {
  for (const p of all) if (p.alive()) p.child.kill('SIGKILL');
  all.clear();
}

/** Resident memory of a process in MB, from /proc/<pid>/status (0 when gone). */
export function rssMbOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Waits for a process's ready log line (e.g. `controller_listening`, `worker_ready`) and returns the URL it reports. */
export async function readyUrl(p: ChaosProc, event: string, timeoutMs = 20_000): Promise<string> {
  return String((await p.waitForLog((l) => l.event === event, timeoutMs, event))['url']);
}

/** A controller (no state dir) and a Worker on free loopback ports, both listening. */
export interface ControlPlanes {
  controller: ChaosProc;
  worker: ChaosProc;
  ctlUrl: string;
  workerUrl: string;
}

/**
 * Starts a controller with probe keys from `keyFile` and a Worker on the same
 * policy, and waits until both listen. The Worker reads the same key file
 * unless `workerKeysFromEnv` is set (then its keys come from `workerEnv`).
 */
export async function startControllerAndWorker(opts: {
  policyFile: string;
  keyFile: string;
  controllerEnv?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
  workerKeysFromEnv?: boolean;
}): Promise<ControlPlanes> {
  const controller = startProc('controller', ['controller', '--policy', opts.policyFile, '--listen', '127.0.0.1:0', '--no-state', '--key-file', opts.keyFile], opts.controllerEnv);
  const workerKeys = opts.workerKeysFromEnv ? [] : ['--key-file', opts.keyFile];
  const worker = startProc('worker', ['worker', '--policy', opts.policyFile, '--listen', '127.0.0.1:0', ...workerKeys], opts.workerEnv);
  const [ctlUrl, workerUrl] = await Promise.all([readyUrl(controller, 'controller_listening'), readyUrl(worker, 'worker_ready')]);
  return { controller, worker, ctlUrl, workerUrl };
}

/** Starts `node CLI ...args`. */
export function startProc(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChaosProc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  let raw = '';
  const waiters: Array<{ pred: (l: LogLine) => boolean; done: (l: LogLine) => void }> = [];
  const onLine = (line: string) => {
    let rec: LogLine;
    try {
      rec = JSON.parse(line) as LogLine;
      if (typeof rec !== 'object' || rec === null) throw new Error('not an object');
    } catch {
      if (raw.length < 200_000) raw += line + '\n';
      return;
    }
    // Keep memory bounded over a soak: old lines are rarely needed.
    if (logs.length > 20_000) logs.splice(0, 10_000);
    logs.push(rec);
    for (const w of [...waiters]) if (w.pred(rec)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done(rec);
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const p: ChaosProc = {
    name,
    child,
    pid: child.pid ?? -1,
    logs,
    text: () => raw,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    rssMb: () => (child.pid ? rssMbOf(child.pid) : 0),
    waitForLog(pred, timeoutMs = 15_000, what = 'a log line') {
      const seen = logs.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.pred === pred);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`${name}: timed out waiting for ${what}; last logs:\n${logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${raw.slice(-2000)}`));
        }, timeoutMs);
        waiters.push({ pred, done: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before ${what}:\n${logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${raw.slice(-2000)}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (p.alive()) child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      all.delete(p);
      return code;
    },
  };
  all.add(p);
  return p;
}

/** Waits until `fn` returns a truthy value (polling), or throws after timeoutMs. */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
