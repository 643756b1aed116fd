#!/usr/bin/env node
// Makes sure the external tools the tests and benchmarks talk to are present:
// dig (BIND 9.18, for DNS and DoH queries) and dnsperf, and with
// --with-chromium Debian's headless Chromium (the dashboard's browser test,
// driven by playwright-core). Installs them with apt when running as root on
// Debian; otherwise says exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { findChromium } from './chromium.mjs';

const wanted = [
  { bin: 'dig', pkg: 'bind9-dnsutils', why: 'DNS and DoH queries in tests' },
  { bin: 'dnsperf', pkg: 'dnsperf', why: 'DNS benchmarks' },
];
// Chromium is looked up exactly as test/dashboard-browser.test.ts does (scripts/chromium.mjs).
const optional = process.argv.includes('--with-chromium')
  ? [{ bin: 'chromium', pkg: 'chromium', why: 'dashboard browser test', found: () => findChromium() !== undefined }]
  : [];

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const present = (t) => (t.found ? t.found() : has(t.bin));
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`edgesteer needs Node 24+, this is ${process.version}. Run through npm (npm test / npm start) so the project's Node 24 from node_modules/.bin comes first on PATH.`);
  process.exit(1);
}
const missing = [...wanted, ...optional].filter((t) => !present(t));
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = has('apt-get');
if (!isRoot || !hasApt) {
  console.error('Missing tools: ' + missing.map((t) => `${t.bin} (${t.why})`).join(', '));
  console.error(`Install them with: sudo apt-get install -y ${missing.map((t) => t.pkg).join(' ')}`);
  process.exit(1);
}
const pkgs = missing.map((t) => t.pkg);
console.error(`[ensure-tools] installing ${pkgs.join(' ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch (err) {
  console.error(`[ensure-tools] apt-get failed: ${err.message}`);
  process.exit(1);
}
const still = missing.filter((t) => !present(t));
if (still.length) {
  console.error('[ensure-tools] still missing after install: ' + still.map((t) => t.bin).join(', '));
  process.exit(1);
}
