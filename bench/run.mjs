#!/usr/bin/env node
/**
 * edgesteer side by side with Knot DNS, gdnsd and PowerDNS-LUA on this
 * machine: resolution throughput and latency (dnsperf), latency under load,
 * failover and recovery time, the Worker's DoH, and the decide()/Route53
 * micro-benchmarks. Writes bench/results/latest-report.md, latest-chart.svg
 * and latest.json, and prints the table.
 *
 *   npm run bench               full run
 *   npm run bench -- --quick    under 3 minutes
 *
 * Only 127.0.0.x traffic; every process started is stopped (also on Ctrl-C);
 * configs and logs live in a temp dir that is removed at the end (--keep).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './lib/options.mjs';
import { startEdges } from './lib/edges.mjs';
import { writeQueryFile, writeTextQueryFile } from './lib/querymix.mjs';
import { DNS_RUNNERS, FAILOVER_RUNNERS, WORKER_RUNNERS } from './lib/runners/index.mjs';
import { throughputPhase } from './lib/phase-throughput.mjs';
import { failoverPhase, FAILOVER_REGION } from './lib/phase-failover.mjs';
import { workerPhase } from './lib/phase-worker.mjs';
import { microPhase } from './lib/phase-micro.mjs';
import { profilePhase } from './lib/phase-profile.mjs';
import { renderReport, consoleSummary } from './lib/report.mjs';
import { renderChart } from './lib/chart.mjs';
import { closingNotes } from './lib/closing.mjs';
import { stopAll, liveCount, onExit, setPriorityBoost } from './lib/procs.mjs';
import { geoPhase, geoSummary } from './geo.mjs';
import { memoryPhase } from './lib/phase-memory.mjs';
import { cliPhase } from './lib/phase-cli.mjs';
import { appendHistory, historyEntry } from './lib/history.mjs';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const log = (s) => console.error(s);

function versions() {
  const v = (cmd, args, re) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
    const m = `${r.stdout ?? ''}${r.stderr ?? ''}`.match(re);
    return m ? m[1] : null;
  };
  return [
    ['dnsperf', v('dnsperf', ['-h'], /Version ([\d.]+)/)],
    ['Knot DNS', v('/usr/sbin/knotd', ['--version'], /version ([\d.]+)/)],
    ['gdnsd', v('/usr/sbin/gdnsd', ['-h'], /gdnsd version ([\d.]+)/)],
    ['PowerDNS', v('/usr/sbin/pdns_server', ['--version'], /Authoritative Server ([\d.]+)/)],
    ['wrk', v('/usr/bin/wrk', ['-v'], /wrk ([\d.]+)/)],
  ].filter(([, x]) => x).map(([name, x]) => `${name} ${x}`);
}

async function pickAvailable(runners, only, unavailable) {
  const out = [];
  for (const r of runners) {
    if (only && !only.some((o) => r.id === o || r.id.startsWith(o + '-') || (o === 'worker' && r.id.startsWith('worker')))) continue;
    const a = await r.available();
    if (a.ok) out.push(r);
    else unavailable[r.id] = a.reason;
  }
  return out;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) { console.log(USAGE); return; }
  const t0 = Date.now();
  const nice = setPriorityBoost(opts.nice);
  const dir = mkdtempSync(join(tmpdir(), 'edgesteer-bench-'));
  // Removed at exit, Ctrl-C included, unless --keep.
  if (!opts.keep) onExit(() => rmSync(dir, { recursive: true, force: true }));
  const budget = opts.budget;
  const res = {
    meta: {
      mode: opts.quick ? 'quick' : 'full',
      startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown CPU',
      kernel: release(),
      node: process.version,
      versions: versions(),
      loadStart: loadavg(),
      threads: opts.threads,
      nice,
      rounds: budget.rounds,
      maxSeconds: budget.maxSeconds,
      rateSeconds: budget.rateSeconds,
      rateRounds: budget.rateRounds,
      loadLevels: budget.loadLevels,
      failoverRegion: FAILOVER_REGION.id,
      failoverSubnet: FAILOVER_REGION.ecs,
    },
    labels: {},
    unavailable: {},
  };
  log(`[bench] ${res.meta.mode} run in ${dir}`);
  const edges = await startEdges();
  log(`[bench] demo edges on ${edges.edges.map((e) => e.address).join(', ')} port ${edges.port}`);
  try {
    // 1. Throughput and latency.
    if (!opts.skip.has('throughput')) {
      const runners = await pickAvailable(DNS_RUNNERS, opts.only, res.unavailable);
      const queryFile = join(dir, 'queries.bin');
      res.meta.queryCount = writeQueryFile(queryFile, 2000);
      const textFile = join(dir, 'queries.txt');
      writeTextQueryFile(textFile, 2000);
      const systems = [];
      try {
        for (const r of runners) {
          log(`[bench] starting ${r.label}`);
          try {
            const handle = await r.start({ dir, edgePort: edges.port, threads: opts.threads, setting: 'default' });
            systems.push({ id: r.id, handle });
            res.labels[r.id] = r.label;
            if (handle.command) (res.commands ??= {})[r.id] = handle.command;
            if (r.describeConfig) (res.configs ??= {})[r.id] = r.describeConfig(opts.threads);
          } catch (err) {
            res.unavailable[r.id] = `failed to start: ${err.message.split('\n')[0]}`;
            log(`[bench] ${r.id} failed to start: ${err.message}`);
          }
        }
        const referenceId = systems.some((s) => s.id === 'edgesteer') ? 'edgesteer' : systems.some((s) => s.id === 'gdnsd') ? 'gdnsd' : systems[0]?.id;
        res.meta.referenceId = referenceId;
        if (systems.length) {
          log('[bench] resolution throughput and latency (dnsperf)');
          res.throughput = await throughputPhase({ systems, file: queryFile, textFile, budget, log, referenceId });
        }
      } finally {
        for (const s of systems) await s.handle.stop();
      }
    }
    // 1b. Memory of edgesteer dns (each UDP path): after start and after full load.
    if (!opts.skip.has('memory')) {
      const runners = (await pickAvailable(DNS_RUNNERS, opts.only, {})).filter((r) => r.id.startsWith('edgesteer'));
      const file = join(dir, 'queries.bin');
      if (runners.length) {
        if (!res.meta.queryCount) res.meta.queryCount = writeQueryFile(file, 2000);
        log(`[bench] edgesteer dns memory (after start, after ${budget.memorySeconds} s of full load)`);
        // One process (--workers 1): the server's own footprint; with --workers N the
        // primary and N workers each hold a Node runtime (see the throughput setup).
        res.memory = await memoryPhase({ runners, dir, edgePort: edges.port, threads: 1, file, seconds: budget.memorySeconds, log });
      }
    }
    // 1c. CLI start-up.
    if (!opts.skip.has('cli')) {
      log('[bench] CLI start-up (5 runs each)');
      try {
        res.cli = cliPhase({ runs: 5, log });
      } catch (err) {
        res.unavailable.cli = err.message.split('\n')[0];
      }
    }
    // 2. Failover.
    if (!opts.skip.has('failover')) {
      const unavailable = {};
      const runners = await pickAvailable(FAILOVER_RUNNERS, opts.only, unavailable);
      for (const [id, why] of Object.entries(unavailable)) res.unavailable[id === 'edgesteer' ? 'edgesteer-stack' : id] = why;
      log(`[bench] failover (${budget.failoverSettings.join(' and ')} settings, ${budget.trials} trials)`);
      res.failover = await failoverPhase({ runners, edges, dir, threads: opts.threads, budget, log });
    }
    // 3. The Worker.
    if (!opts.skip.has('worker')) {
      const runners = await pickAvailable(WORKER_RUNNERS, opts.only, res.unavailable);
      if (runners.length) {
        log('[bench] Worker DoH');
        res.worker = await workerPhase({ runners, dir, edgePort: edges.port, budget, log });
      }
    }
    // 4. Micro-benchmarks owned by other parts of the project.
    if (!opts.skip.has('micro') && !opts.only) {
      log('[bench] micro-benchmarks');
      res.micro = await microPhase({ quick: opts.quick, timeoutMs: budget.microTimeoutMs, log });
    }
    // The client map: world map vs clientCidrs only (bench/geo.mjs).
    if (!opts.skip.has('geo') && !opts.only) {
      log('[bench] client map (geo)');
      res.geo = await geoPhase({ quick: opts.quick, log, dir });
      log(geoSummary(res.geo));
    }
    // 5. Optional: where edgesteer dns spends its CPU.
    if (opts.profile && res.throughput?.edgesteer) {
      log('[bench] profiling edgesteer dns under load');
      res.profile = await profilePhase({ dir, edgePort: edges.port, threads: opts.threads, file: join(dir, 'queries.bin'), log });
    }
  } finally {
    await edges.stop();
    await stopAll();
  }
  res.meta.loadEnd = loadavg();
  res.meta.durationS = (Date.now() - t0) / 1000;
  mkdirSync(RESULTS, { recursive: true });
  // Every run goes into the history (with its mode and the machine's load); the report counts them.
  const all = appendHistory(join(RESULTS, 'history.jsonl'), historyEntry(res));
  res.history = { file: 'history.jsonl', runs: all.length, full: all.filter((h) => h.mode === 'full').length, quick: all.filter((h) => h.mode === 'quick').length, recent: all.slice(-10) };
  res.closing = closingNotes(res);
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(res, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'latest-report.md'), renderReport(res));
  writeFileSync(join(RESULTS, 'latest-chart.svg'), renderChart(res));
  console.log(consoleSummary(res));
  log(`\n[bench] done in ${(res.meta.durationS / 60).toFixed(1)} min; report: bench/results/latest-report.md`);
  if (opts.keep) log(`[bench] kept ${dir}`);
  if (liveCount() !== 0) log(`[bench] warning: ${liveCount()} process(es) still tracked at exit`);
}

main().catch(async (err) => {
  console.error(`[bench] failed: ${err.stack ?? err}`);
  await stopAll();
  process.exit(1);
});
