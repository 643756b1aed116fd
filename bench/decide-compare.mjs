#!/usr/bin/env node
// decide() before and after, in the same run: builds packages/core of an
// older commit into bench/results/tmp, then runs bench/decide.bench.mjs
// alternately on that build and on the current one (child processes,
// interleaved, so machine load hits both alike) and prints the median p50
// of each case for both, with the ratio.
//
//   npm run build && node bench/decide-compare.mjs --base 18109cb --rounds 3 --cycles 200
//
// 18109cb is the commit before @noble/hashes and per-route digests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const base = opt('base', '18109cb');
const rounds = Number(opt('rounds', '3'));
const cycles = opt('cycles', '200');

const rev = execFileSync('git', ['rev-parse', '--short', base], { cwd: root, encoding: 'utf8' }).trim();
const dir = path.join(root, 'bench/results/tmp', `core-${rev}`);
const entry = path.join(dir, 'dist/index.js');
if (!existsSync(entry)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${rev} packages/core/src | tar -x --strip-components=2 -C "${dir}"`], { cwd: root });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(root, 'tsconfig.base.json'),
      compilerOptions: { rootDir: 'src', outDir: 'dist', composite: false, incremental: false, declaration: false, declarationMap: false, sourceMap: false, types: [] },
      include: ['src'],
      exclude: ['src/**/*.test.ts', 'src/test-policy.ts'],
    }),
  );
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: root, stdio: 'inherit' });
}

const runs = { base: [], current: [] };
const loadStart = os.loadavg().map((x) => x.toFixed(2));
for (let i = 0; i < rounds; i++) {
  for (const which of i % 2 === 0 ? ['base', 'current'] : ['current', 'base']) {
    const env = { ...process.env, EDGESTEER_BENCH_CORE: which === 'base' ? entry : '' };
    const out = execFileSync(process.execPath, [path.join(root, 'bench/decide.bench.mjs'), '--json', '--cycles', cycles], { cwd: root, env, encoding: 'utf8' });
    runs[which].push(JSON.parse(out));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (v) => v.toFixed(2);
console.log(`## decide() before (${rev}) and after, same run\n`);
console.log(`${rounds} interleaved runs each, ${cycles} timed cycles per run, Node ${process.version}; load average at start ${loadStart.join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores). Median over runs of each run's p50, wall and process CPU (CPU is the steadier figure when other work competes for the cores).\n`);
console.log(`| case | before p50 ms | after p50 ms | after/before | before CPU p50 ms | after CPU p50 ms | after/before (CPU) |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const [name, key] of [['decide, steady', 'decideSteady'], ['decide, churn', 'decideChurn'], ['decide, flap', 'decideFlap']]) {
  const b = median(runs.base.map((r) => r[key].p50));
  const a = median(runs.current.map((r) => r[key].p50));
  const bc = median(runs.base.map((r) => r[`${key}Cpu`].p50));
  const ac = median(runs.current.map((r) => r[`${key}Cpu`].p50));
  console.log(`| ${name} | ${f(b)} | ${f(a)} | ${f(a / b)} | ${f(bc)} | ${f(ac)} | ${f(ac / bc)} |`);
}
