/**
 * Where edgesteer dns spends CPU under full dnsperf load: runs it under
 * `node --cpu-prof` (every worker process), then sums self time per function
 * over all profiles and lists the hottest ones.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { edgesteerDns } from './runners/edgesteer-dns.mjs';
import { dnsperfMax } from './dnsperf.mjs';
import { ROOT } from './cli.mjs';

/** Where a sampled frame belongs, for the closing notes. */
export function categoryOf(cf) {
  const url = cf.url ?? '';
  if (cf.functionName === '(garbage collector)') return 'garbage collection';
  if (cf.functionName === '(program)') return 'native, outside JS';
  if (url.startsWith('node:dgram') || url.startsWith('node:internal/dgram')) return 'UDP socket calls (node:dgram)';
  if (url.includes('/packages/') || url.includes('/probes/') || url.includes('/workers/')) return 'edgesteer code';
  if (url.startsWith('node:')) return 'other Node internals (incl. start-up)';
  if (url.includes('node_modules')) return 'dependencies';
  return 'other';
}

export function summarizeProfiles(files, top = 15) {
  const self = new Map();
  const cats = new Map();
  let total = 0;
  for (const f of files) {
    const prof = JSON.parse(readFileSync(f, 'utf8'));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const dt = prof.timeDeltas;
    for (let i = 0; i < prof.samples.length; i++) {
      const node = byId.get(prof.samples[i]);
      const us = dt[i] ?? 0;
      const cf = node.callFrame;
      // Idle time (waiting in epoll) is not CPU; leave it out of the shares.
      if (cf.functionName === '(idle)') continue;
      total += us;
      const where = cf.url ? `${cf.url.startsWith('file://') ? relative(ROOT, new URL(cf.url).pathname) : cf.url}:${cf.lineNumber + 1}` : '';
      const key = `${cf.functionName || '(anonymous)'}${where ? ` (${where})` : ''}`;
      self.set(key, (self.get(key) ?? 0) + us);
      const cat = categoryOf(cf);
      cats.set(cat, (cats.get(cat) ?? 0) + us);
    }
  }
  const categories = [...cats.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, share: us / total }));
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs: total / 1000, categories, rows: rows.map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total })) };
}

export async function profilePhase({ dir, edgePort, threads, file, log, seconds = 10 }) {
  const profDir = join(dir, 'cpu-prof');
  mkdirSync(profDir, { recursive: true });
  const h = await edgesteerDns.start({ dir, edgePort, threads, cpuProfileDir: profDir });
  let r;
  try {
    r = await dnsperfMax({ file, port: h.port, seconds });
  } finally {
    await h.stop();
  }
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f));
  if (!files.length) {
    log('  no .cpuprofile written (the server did not exit cleanly on SIGTERM)');
    return { markdown: 'No CPU profile was written: `edgesteer dns` did not exit cleanly on SIGTERM, so `--cpu-prof` could not save it.' };
  }
  const s = summarizeProfiles(files);
  log(`  ${files.length} profile(s), ${Math.round(r.qps).toLocaleString('en-US')} qps under the profiler`);
  const md = [
    `\`node --cpu-prof\` on every edgesteer dns process during ${seconds} s of dnsperf at full load (${Math.round(r.qps).toLocaleString('en-US')} qps under the profiler); self time summed over ${files.length} process profile(s) (primary and workers, start-up included), ${s.totalMs.toFixed(0)} ms of non-idle samples; shares are of that. "(program)" is native code outside JS (libuv, syscalls not attributed to a JS frame), "(garbage collector)" is V8's GC.`,
    '',
    '| Function (file:line) | self ms | share |',
    '|---|---|---|',
    ...s.rows.map((x) => `| ${x.fn.replace(/\|/g, '\\|')} | ${x.ms.toFixed(0)} | ${(x.share * 100).toFixed(1)}% |`),
    '',
    `By kind: ${s.categories.map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`).join(', ')}.`,
  ].join('\n');
  return { markdown: md, rows: s.rows, categories: s.categories, files: files.length, qps: r.qps };
}
