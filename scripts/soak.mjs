#!/usr/bin/env node
// The long versions of the chaos, fuzz and load tests (`npm run soak`):
// EDGESTEER_SOAK=1 turns the CI sizes up (1,000,000 fuzz packets, 60 s of
// dnsperf under table churn, a minute of Route53 outage, every invalid
// policy fixture, longer partitions and flaps). Files run one at a time so
// the load and memory numbers are not skewed by each other. Extra arguments
// go to vitest (e.g. `npm run soak -- test/load`). The results table is
// printed at the end and kept in test-output/chaos-summary.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`soak needs Node 24+, this is ${process.version}: run it as \`npm run soak\` so the project's Node comes first on PATH.`);
  process.exit(1);
}
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

if (run(process.execPath, ['scripts/ensure-tools.mjs']) !== 0) process.exit(1);
if (run(bin('tsc'), ['-b']) !== 0) process.exit(1);
const extra = process.argv.slice(2);
const targets = extra.some((a) => !a.startsWith('-')) ? [] : ['test/chaos', 'test/fuzz', 'test/load'];
const started = Date.now();
const code = run(bin('vitest'), ['run', ...targets, ...extra, '--no-file-parallelism', '--maxWorkers=1', '--testTimeout=900000', '--hookTimeout=120000'], { EDGESTEER_SOAK: '1' });
const summary = fileURLToPath(new URL('../test-output/chaos-summary.md', import.meta.url));
console.log(`\nsoak finished in ${((Date.now() - started) / 60_000).toFixed(1)} min (exit ${code})`);
if (existsSync(summary)) console.log(`\n${readFileSync(summary, 'utf8')}\n(also in test-output/chaos-summary.md)`);
process.exit(code);
