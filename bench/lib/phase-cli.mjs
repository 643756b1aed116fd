/**
 * Start-up time of the edgesteer command: wall time of `edgesteer --help` and
 * `edgesteer policy check <file>`, each run N times (min / median / max).
 */
import { spawnSync } from 'node:child_process';
import { CLI, NODE, ROOT } from './cli.mjs';
import { median } from './stats.mjs';

export const CLI_CASES = [
  { id: 'help', title: 'edgesteer --help', args: ['--help'] },
  { id: 'policy-check', title: 'edgesteer policy check config/policy.yaml', args: ['policy', 'check', 'config/policy.yaml'] },
];

/** Times one command `runs` times; a failing run is an error, not a number. */
export function timeCommand(args, runs) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(NODE, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`E_BENCH_CLI: edgesteer ${args.join(' ')} exited ${r.status}: ${(r.stderr ?? '').slice(0, 300)}`);
    ms.push(t);
  }
  return { runs: ms, minMs: Math.min(...ms), medianMs: median(ms), maxMs: Math.max(...ms) };
}

export function cliPhase({ runs = 5, log }) {
  const out = {};
  // One untimed run first: the V8 compile cache (enableCompileCache in main.ts) is written on the first run after a build.
  for (const c of CLI_CASES) timeCommand(c.args, 1);
  for (const c of CLI_CASES) {
    out[c.id] = { title: c.title, ...timeCommand(c.args, runs) };
    log(`  ${c.title}: min ${out[c.id].minMs.toFixed(0)} ms, median ${out[c.id].medianMs.toFixed(0)} ms, max ${out[c.id].maxMs.toFixed(0)} ms (${runs} runs)`);
  }
  return out;
}
