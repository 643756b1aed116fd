/**
 * Wires a probe together from its options: checks → (state log, stdout hook,
 * reporter → HTTP sinks, CloudWatch). Shared by the long-running agent and
 * `--once`, so both validate options and report the same way.
 */
import type { LookupFunction } from 'node:net';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Observation, ReportKey } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { Logger, LevelWithSilent } from 'pino';
import { CloudWatchPublisher, DEFAULT_NAMESPACE } from './cloudwatch.js';
import { EdgeStateTracker } from './edge-state.js';
import { ProbeError } from './errors.js';
import { randomSeeded, type Random } from './jitter.js';
import { createProbeLogger } from './logger.js';
import { HttpReportSink } from './report-sink.js';
import { Reporter } from './reporter.js';
import { runCheck } from './checks/run-check.js';
import { Scheduler } from './scheduler.js';

export const DEFAULT_CONCURRENCY = 64;
/** Path appended when a --report-to URL has none. */
export const DEFAULT_REPORT_PATH = '/v1/observations';

export interface CloudWatchOptions {
  namespace?: string;
  /** Endpoint override; default AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /**
   * AWS region to publish to; default the policy's `health.alarmRegion`, else
   * us-east-1 — the region of the Route53 alarms, whatever this probe's own
   * region, so every region's votes land in the same metric.
   */
  awsRegion?: string;
  /** Vote period, ms (the alarms' Period); default 60,000. */
  votePeriodMs?: number;
  client?: CloudWatchClient;
  flushMs?: number;
  maxBuffered?: number;
  maxAttempts?: number;
}

export interface StartProbeOptions {
  policy: Policy;
  /** Region id (from the policy) this probe runs in. */
  region: string;
  /** Probe id = HMAC key id; default the region id (one probe per region). */
  probeId?: string;
  /** Report destinations (full URLs; a bare origin gets /v1/observations). */
  reportTo?: readonly string[];
  /** This probe's HMAC key; required when reportTo is not empty. */
  key?: ReportKey;
  /** Publish CloudWatch metrics. */
  cloudwatch?: boolean | CloudWatchOptions;
  /** Most checks open at once; default 64. */
  concurrency?: number;
  logger?: Logger;
  logLevel?: LevelWithSilent;
  /** Called with every observation (the CLI prints them with --json). */
  onObservation?: (obs: Observation) => void;
  /** Jitter source (seed it in tests). */
  random?: Random;
  /** Name resolution for checks (tests, split-horizon). */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM) for https checks. */
  ca?: string | Buffer | Array<string | Buffer>;
  sink?: { maxBuffered?: number; backoff?: { baseMs?: number; maxMs?: number }; requestTimeoutMs?: number; maxAttempts?: number };
  batch?: { max?: number; flushMs?: number };
  /** Environment for AWS_REGION / AWS_ENDPOINT_URL; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Pipeline {
  logger: Logger;
  scheduler: Scheduler;
  tracker: EdgeStateTracker;
  reporter: Reporter;
  sinks: HttpReportSink[];
  cloudwatch: CloudWatchPublisher | undefined;
  probeId: string;
}

/** Normalises a --report-to URL: http(s) only; `http://host:port` becomes `http://host:port/v1/observations`. */
export function reportUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProbeError('E_PROBE_REPORT_URL', `--report-to "${raw}" is not a URL; expected e.g. http://127.0.0.1:8080${DEFAULT_REPORT_PATH}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeError('E_PROBE_REPORT_URL', `--report-to "${raw}" must be http:// or https://`);
  }
  if (url.pathname === '/' && !raw.endsWith('/')) url.pathname = DEFAULT_REPORT_PATH;
  return url.toString();
}

export function buildPipeline(opts: StartProbeOptions): Pipeline {
  const region = opts.policy.regions.find((r) => r.id === opts.region);
  if (!region) {
    throw new ProbeError('E_PROBE_REGION_UNKNOWN', `region "${opts.region}" is not in the policy; regions: ${opts.policy.regions.map((r) => r.id).join(', ')}`);
  }
  const probeId = opts.probeId ?? region.id;
  if (probeId.length < 1 || probeId.length > 128) throw new ProbeError('E_PROBE_ID', `probe id must be 1-128 characters, got ${probeId.length}`);
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ProbeError('E_PROBE_CONCURRENCY', `--concurrency must be a positive integer, got ${concurrency}`);
  const urls = (opts.reportTo ?? []).map(reportUrl);
  if (urls.length > 0 && opts.key === undefined) {
    throw new ProbeError('E_PROBE_KEY_MISSING', `--report-to needs a signing key for probe "${probeId}": set EDGESTEER_PROBE_KEY or pass --key-file`);
  }
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createProbeLogger({ probe: probeId, region: region.id, ...(opts.logLevel ? { level: opts.logLevel } : {}) });
  const random = opts.random ?? randomSeeded();

  const sinks = urls.map(
    (url) =>
      new HttpReportSink({
        url,
        probeId,
        key: opts.key as ReportKey,
        logger,
        random,
        ...(opts.sink?.maxBuffered !== undefined ? { maxBuffered: opts.sink.maxBuffered } : {}),
        // Retry at least once per check interval: a receiver that comes back has fresh data within two.
        backoff: { maxMs: Math.min(15_000, Math.max(250, Math.min(...opts.policy.edges.map((e) => e.check.intervalMs)))), ...opts.sink?.backoff },
        ...(opts.sink?.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.sink.requestTimeoutMs } : {}),
        ...(opts.sink?.maxAttempts !== undefined ? { maxAttempts: opts.sink.maxAttempts } : {}),
      }),
  );
  const reporter = new Reporter({
    probeId,
    region: region.id,
    sinks,
    ...(opts.batch?.max !== undefined ? { batchMax: opts.batch.max } : {}),
    ...(opts.batch?.flushMs !== undefined ? { flushMs: opts.batch.flushMs } : {}),
  });

  const tracker = new EdgeStateTracker(opts.policy.edges);
  let cloudwatch: CloudWatchPublisher | undefined;
  if (opts.cloudwatch) {
    const cw = opts.cloudwatch === true ? {} : opts.cloudwatch;
    // An empty variable counts as unset (shells and CI often export NAME=).
    const fromEnv = (name: string) => env[name] || undefined;
    const endpoint = cw.endpoint ?? fromEnv('AWS_ENDPOINT_URL_CLOUDWATCH') ?? fromEnv('AWS_ENDPOINT_URL');
    cloudwatch = new CloudWatchPublisher({
      awsRegion: cw.awsRegion ?? (opts.policy.health as { alarmRegion?: string }).alarmRegion ?? 'us-east-1',
      voteOf: () => Object.entries(tracker.snapshot()).map(([edge, v]) => [edge, v.state] as [string, 'up' | 'down' | 'unknown']),
      ...(cw.votePeriodMs !== undefined ? { votePeriodMs: cw.votePeriodMs } : {}),
      namespace: cw.namespace ?? DEFAULT_NAMESPACE,
      logger,
      ...(endpoint ? { endpoint } : {}),
      ...(cw.client ? { client: cw.client } : {}),
      ...(cw.flushMs !== undefined ? { flushMs: cw.flushMs } : {}),
      ...(cw.maxBuffered !== undefined ? { maxBuffered: cw.maxBuffered } : {}),
      ...(cw.maxAttempts !== undefined ? { maxAttempts: cw.maxAttempts } : {}),
    });
  }

  const onObservation = (obs: Observation) => {
    const change = tracker.observe(obs);
    if (change) {
      const fields = { event: 'edge.state', ...change, connectMs: obs.connectMs, firstByteMs: obs.firstByteMs };
      if (change.to === 'down') logger.warn(fields, `edge ${change.edge} ${change.from} → down: ${change.reason ?? 'failed'}${change.detail ? ` (${change.detail})` : ''}`);
      else logger.info(fields, `edge ${change.edge} ${change.from} → up`);
    }
    opts.onObservation?.(obs);
    reporter.add(obs);
    cloudwatch?.add(obs);
  };

  const scheduler = new Scheduler({
    edges: opts.policy.edges,
    concurrency,
    random,
    check: (edge, signal) =>
      runCheck(edge, {
        probeRegion: region.id,
        signal,
        ...(opts.lookup ? { lookup: opts.lookup } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      }),
    onObservation,
  });

  logger.info(
    {
      event: 'probe.start',
      edges: opts.policy.edges.length,
      concurrency,
      sinks: urls,
      cloudwatch: cloudwatch ? { namespace: cloudwatch.namespace, awsRegion: cloudwatch.stats().awsRegion } : false,
    },
    `probe ${probeId} checking ${opts.policy.edges.length} edges from region ${region.id}`,
  );
  return { logger, scheduler, tracker, reporter, sinks, cloudwatch, probeId };
}
