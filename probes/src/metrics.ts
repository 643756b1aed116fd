/**
 * Prometheus metrics of a probe agent (`edgesteer probe --metrics-listen`):
 * check results and RTT per edge, counted as observations happen, and the
 * delivery state of every report sink and of CloudWatch, read from the
 * agent's stats at scrape time.
 *
 * Labels stay bounded: edge and region ids come from the policy, reasons
 * from core's FAILURE_REASONS, sinks from --report-to.
 */
import type { Observation } from '@edgesteer/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProbeStats } from './agent.js';

/** RTT buckets in seconds: loopback (sub-ms) to intercontinental and timeouts. */
export const PROBE_RTT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface ProbeMetrics {
  readonly registry: Registry;
  /** Counts one observation; pass it as (or call it from) the agent's onObservation. */
  observe(obs: Observation): void;
  /** Where scrape-time gauges read the agent's state from (set once the agent runs). */
  setStats(stats: () => ProbeStats): void;
}

export interface ProbeMetricsOptions {
  /** Default: a new registry with Node's default metrics under `edgesteer_`. */
  registry?: Registry;
  /** Collect Node's process metrics (CPU, memory, event loop) too. Default true for a new registry. */
  processMetrics?: boolean;
}

/** Creates the probe's series on a registry. */
export function createProbeMetrics(opts: ProbeMetricsOptions = {}): ProbeMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.processMetrics ?? opts.registry === undefined) collectDefaultMetrics({ register: registry, prefix: 'edgesteer_' });
  const registers = [registry];
  let stats: (() => ProbeStats) | undefined;

  const checks = new Counter({
    name: 'edgesteer_probe_checks_total',
    help: 'Checks completed, by edge, probe region, outcome (ok, fail) and failure reason (none when ok).',
    labelNames: ['edge', 'region', 'outcome', 'reason'],
    registers,
  });
  const rtt = new Histogram({
    name: 'edgesteer_probe_rtt_seconds',
    help: 'Measured RTT of successful checks, by edge, probe region and kind (connect, first_byte).',
    labelNames: ['edge', 'region', 'kind'],
    buckets: PROBE_RTT_BUCKETS,
    registers,
  });
  const lastRtt = new Gauge({
    name: 'edgesteer_probe_last_rtt_seconds',
    help: 'RTT of the latest successful check, by edge, probe region and kind.',
    labelNames: ['edge', 'region', 'kind'],
    registers,
  });
  const lastCheck = new Gauge({
    name: 'edgesteer_probe_last_check_timestamp_seconds',
    help: 'When the latest check of the edge started (unix seconds).',
    labelNames: ['edge', 'region'],
    registers,
  });

  // Scrape-time views of the agent's own counters (it keeps them for --once and logs).
  const fromStats = <T>(fn: (s: ProbeStats) => T): T | undefined => (stats ? fn(stats()) : undefined);
  new Gauge({
    name: 'edgesteer_probe_edge_up',
    help: "1 if this probe sees the edge up after its check's rise/fall, 0 if down (absent while unknown).",
    labelNames: ['edge'],
    registers,
    collect() {
      this.reset();
      for (const [edge, v] of Object.entries(fromStats((s) => s.edges) ?? {})) if (v.state !== 'unknown') this.set({ edge }, v.state === 'up' ? 1 : 0);
    },
  });
  new Counter({
    name: 'edgesteer_probe_reports_total',
    help: 'Reports per sink by result: sent (delivered), rejected (refused for good), failed (gave up after max attempts), dropped (buffer full).',
    labelNames: ['sink', 'result'],
    registers,
    collect() {
      this.reset();
      for (const s of fromStats((x) => x.sinks) ?? []) {
        this.inc({ sink: s.url, result: 'sent' }, s.sent);
        this.inc({ sink: s.url, result: 'rejected' }, s.rejected);
        this.inc({ sink: s.url, result: 'failed' }, s.failed);
        this.inc({ sink: s.url, result: 'dropped' }, s.dropped);
      }
    },
  });
  new Counter({
    name: 'edgesteer_probe_report_errors_total',
    help: 'Failed delivery attempts per sink (each one backed off and retried).',
    labelNames: ['sink'],
    registers,
    collect() {
      this.reset();
      for (const s of fromStats((x) => x.sinks) ?? []) this.inc({ sink: s.url }, s.errors);
    },
  });
  new Counter({
    name: 'edgesteer_probe_dropped_observations_total',
    help: 'Observations lost in reports dropped from a full sink buffer.',
    labelNames: ['sink'],
    registers,
    collect() {
      this.reset();
      for (const s of fromStats((x) => x.sinks) ?? []) this.inc({ sink: s.url }, s.droppedObservations);
    },
  });
  new Gauge({
    name: 'edgesteer_probe_reports_buffered',
    help: 'Reports waiting for delivery, per sink.',
    labelNames: ['sink'],
    registers,
    collect() {
      this.reset();
      for (const s of fromStats((x) => x.sinks) ?? []) this.set({ sink: s.url }, s.buffered);
    },
  });
  new Gauge({
    name: 'edgesteer_probe_checks_in_flight',
    help: 'Checks running now (holding a concurrency slot).',
    registers,
    collect() {
      this.set(fromStats((s) => s.scheduler.inFlight) ?? 0);
    },
  });
  new Gauge({
    name: 'edgesteer_probe_checks_queued',
    help: 'Checks waiting for a concurrency slot.',
    registers,
    collect() {
      this.set(fromStats((s) => s.scheduler.queued) ?? 0);
    },
  });
  new Counter({
    name: 'edgesteer_probe_cloudwatch_datums_total',
    help: 'CloudWatch datums by result: sent (accepted), dropped (buffer overflow or refused as invalid).',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      const cw = fromStats((s) => s.cloudwatch);
      if (!cw) return;
      this.inc({ result: 'sent' }, cw.sent);
      this.inc({ result: 'dropped' }, cw.dropped);
    },
  });
  new Counter({
    name: 'edgesteer_probe_cloudwatch_requests_total',
    help: 'PutMetricData requests by result (ok, error after SDK retries).',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      const cw = fromStats((s) => s.cloudwatch);
      if (!cw) return;
      this.inc({ result: 'ok' }, cw.requests);
      this.inc({ result: 'error' }, cw.errors);
    },
  });

  return {
    registry,
    observe(obs) {
      const labels = { edge: obs.edge, region: obs.probeRegion };
      checks.inc({ ...labels, outcome: obs.ok ? 'ok' : 'fail', reason: obs.ok ? 'none' : (obs.reason ?? 'other') });
      lastCheck.set(labels, obs.at / 1000);
      if (!obs.ok) return;
      if (obs.connectMs !== undefined) {
        rtt.observe({ ...labels, kind: 'connect' }, obs.connectMs / 1000);
        lastRtt.set({ ...labels, kind: 'connect' }, obs.connectMs / 1000);
      }
      if (obs.firstByteMs !== undefined) {
        rtt.observe({ ...labels, kind: 'first_byte' }, obs.firstByteMs / 1000);
        lastRtt.set({ ...labels, kind: 'first_byte' }, obs.firstByteMs / 1000);
      }
    },
    setStats(fn) {
      stats = fn;
    },
  };
}
