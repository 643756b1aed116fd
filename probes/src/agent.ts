/**
 * The probe agent's public API: `startProbe` runs until stopped (the CLI's
 * `edgesteer probe` and the all-in-one `edgesteer run` use it); `runProbeOnce`
 * checks every edge once and delivers the results (`--once`).
 */
import type { Observation } from '@edgesteer/core';
import type { CloudWatchStats } from './cloudwatch.js';
import type { EdgeStateView } from './edge-state.js';
import { buildPipeline, type Pipeline, type StartProbeOptions } from './pipeline.js';
import type { ReportSinkStats } from './report-sink.js';
import type { SchedulerStats } from './scheduler.js';

export interface ProbeStats {
  probe: string;
  scheduler: SchedulerStats;
  reports: { reports: number; lastSeq: number | undefined; pending: number };
  sinks: ReportSinkStats[];
  cloudwatch?: CloudWatchStats;
  edges: Record<string, EdgeStateView>;
}

export interface ProbeHandle {
  /** Stops checking, flushes what is pending (up to `graceMs`, default 2 s) and closes sinks. */
  stop(graceMs?: number): Promise<void>;
  stats(): ProbeStats;
}

function statsOf(p: Pipeline): ProbeStats {
  return {
    probe: p.probeId,
    scheduler: p.scheduler.stats(),
    reports: p.reporter.stats(),
    sinks: p.sinks.map((s) => s.stats()),
    ...(p.cloudwatch ? { cloudwatch: p.cloudwatch.stats() } : {}),
    edges: p.tracker.snapshot(),
  };
}

function withDeadline<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Delivers what is buffered, within `graceMs`; true when every sink got everything. */
async function drain(p: Pipeline, graceMs: number): Promise<boolean> {
  p.reporter.flush();
  const sinksIdle = withDeadline(Promise.all(p.sinks.map((s) => s.idle())).then(() => true), graceMs, false);
  const cw = p.cloudwatch ? withDeadline(p.cloudwatch.close(), graceMs, false) : Promise.resolve(true);
  const [sinksDone, cwOk] = await Promise.all([sinksIdle, cw]);
  for (const s of p.sinks) s.close();
  const sinksOk = sinksDone && p.sinks.every((s) => {
    const st = s.stats();
    return st.buffered === 0 && st.failed === 0 && st.rejected === 0 && st.dropped === 0;
  });
  return sinksOk && cwOk;
}

/** Starts the probe agent: every edge on its own jittered interval until stop(). */
export function startProbe(opts: StartProbeOptions): ProbeHandle {
  const p = buildPipeline(opts);
  p.scheduler.start();
  let stopping: Promise<void> | undefined;
  return {
    stop(graceMs = 2000) {
      stopping ??= (async () => {
        await p.scheduler.stop();
        await drain(p, graceMs);
        p.logger.info({ event: 'probe.stop', ...statsOf(p).scheduler }, `probe ${p.probeId} stopped`);
      })();
      return stopping;
    },
    stats: () => statsOf(p),
  };
}

export interface OnceResult {
  observations: Observation[];
  /** True when every sink (HTTP and CloudWatch) accepted everything. */
  ok: boolean;
  stats: ProbeStats;
}

/**
 * Checks every edge once, sends the observations to every sink, and waits
 * (up to `graceMs`, default 10 s) for delivery. Sinks retry a few times
 * (default 3 attempts) instead of forever.
 */
export async function runProbeOnce(opts: StartProbeOptions & { graceMs?: number }): Promise<OnceResult> {
  const p = buildPipeline({
    ...opts,
    sink: { maxAttempts: 3, backoff: { baseMs: 200, maxMs: 1000 }, ...opts.sink },
  });
  const observations = await p.scheduler.runOnce();
  const ok = await drain(p, opts.graceMs ?? 10_000);
  return { observations, ok, stats: statsOf(p) };
}
