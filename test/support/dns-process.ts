/**
 * Starts `edgesteer dns` as a real process (the built CLI under the current
 * Node) and follows its JSON log lines, for end-to-end DNS tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const CLI = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface DnsProcess {
  proc: ChildProcess;
  /** Port from the ready line. */
  port: number;
  /** Every JSON log line so far. */
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog: (pred: (l: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Runs the CLI with `args` and resolves once it logged "dns server ready". */
export async function startDnsProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<DnsProcess> {
  const proc = spawn(process.execPath, [CLI, 'dns', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const logs: LogLine[] = [];
  const waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let l: LogLine;
    try {
      l = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    logs.push(l);
    for (const w of [...waiters]) {
      if (w.pred(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr: ${err}\nlogs: ${logs.map((x) => x.msg).join(' | ')}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      void exited.then((code) => reject(new Error(`edgesteer dns exited with ${code} before the expected log line; stderr: ${err}`)));
    });
  };
  const ready = await waitForLog((l) => l.msg === 'dns server ready', 20_000);
  return {
    proc,
    port: Number(ready['port']),
    logs,
    stderr: () => err,
    waitForLog,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
