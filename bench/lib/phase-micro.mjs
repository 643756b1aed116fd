/**
 * The micro-benchmarks other parts of the project own (decide() at scale,
 * the Route53 plan): run as they are, their markdown output included in the
 * report verbatim. Missing ones are listed as not available.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ROOT, NODE } from './cli.mjs';
import { track } from './procs.mjs';

export const MICRO_BENCHES = [
  // quickArgs: what --quick passes (fewer cycles), per bench's own flags.
  { id: 'decide', title: 'decide() at scale', file: 'bench/decide.bench.mjs', quickArgs: ['--cycles', '50', '--warmup', '10'] },
  { id: 'route53-plan', title: 'Route53 plan at scale', file: 'bench/route53-plan.bench.mjs', quickArgs: null },
];

function runNode(file, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = track('micro-benchmark', spawn(NODE, [file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { if (err.length < 8000) err += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, signal: null, out, err: String(e) }); });
  });
}

export async function microPhase({ quick, timeoutMs, log }) {
  const out = {};
  for (const b of MICRO_BENCHES) {
    const path = ROOT + b.file;
    if (!existsSync(path)) {
      out[b.id] = { title: b.title, available: false, reason: `${b.file} does not exist yet` };
      log(`  ${b.id}: not available (${b.file} missing)`);
      continue;
    }
    // Quick runs pass each bench's own short-run flags (or --quick when it has one).
    const args = !quick ? [] : b.quickArgs ?? (readFileSync(path, 'utf8').includes('--quick') ? ['--quick'] : []);
    const t0 = Date.now();
    const r = await runNode(path, args, timeoutMs);
    const seconds = (Date.now() - t0) / 1000;
    if (r.code !== 0) {
      out[b.id] = { title: b.title, available: true, ok: false, seconds, reason: r.signal ? `killed after ${Math.round(timeoutMs / 1000)} s` : `exit ${r.code}: ${r.err.trim().split('\n').slice(-5).join(' / ')}` };
      log(`  ${b.id}: failed (${out[b.id].reason})`);
      continue;
    }
    out[b.id] = { title: b.title, available: true, ok: true, seconds, args, markdown: r.out.trim() };
    log(`  ${b.id}: done in ${seconds.toFixed(1)} s`);
  }
  return out;
}
