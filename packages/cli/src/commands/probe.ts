import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Observation } from '@edgesteer/core';
import { createProbeLogger, createProbeMetrics, loadProbeKey, ProbeError, runProbeOnce, startMetricsListener, startProbe, type MetricsListener, type ProbeMetrics, type StartProbeOptions } from '@edgesteer/probes';
import { parseListen } from '@edgesteer/http-kit/node';
import { CliError } from '../cli-error.js';
import { untilSignal } from '../process/shutdown.js';
import { readPolicy } from '../read-policy.js';

interface ProbeCliOptions {
  policy: string;
  region: string;
  reportTo?: string[];
  cloudwatch?: boolean;
  cloudwatchNamespace?: string;
  cloudwatchEndpoint?: string;
  cloudwatchVotePeriod?: number;
  once?: boolean;
  json?: boolean;
  keyFile?: string;
  probeId?: string;
  concurrency: number;
  logLevel: string;
  metricsListen?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** One line per observation for people: `edge-a  up    connect 0.412 ms  first byte 1.503 ms  HTTP 200`. */
function humanLine(o: Observation): string {
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(3)} ms`);
  const state = o.ok ? 'up  ' : 'DOWN';
  const why = o.ok ? (o.detail ?? '') : `${o.reason ?? 'other'}${o.detail ? `: ${o.detail}` : ''}`;
  return `${o.edge.padEnd(24)} ${state}  connect ${ms(o.connectMs).padStart(11)}  first byte ${ms(o.firstByteMs).padStart(11)}  ${why}`;
}

async function run(opts: ProbeCliOptions): Promise<void> {
  const policy = await readPolicy(opts.policy);
  const probeId = opts.probeId ?? opts.region;
  const reportTo = opts.reportTo ?? [];
  const base: StartProbeOptions = {
    policy,
    region: opts.region,
    probeId,
    reportTo,
    concurrency: opts.concurrency,
    logLevel: opts.logLevel as NonNullable<StartProbeOptions['logLevel']>,
  };
  try {
    if (reportTo.length > 0) {
      const key = loadProbeKey({ probeId, region: opts.region, ...(opts.keyFile ? { keyFile: opts.keyFile } : {}) });
      if (key !== undefined) base.key = key;
    }
    if (opts.cloudwatch) {
      base.cloudwatch = {
        ...(opts.cloudwatchNamespace ? { namespace: opts.cloudwatchNamespace } : {}),
        ...(opts.cloudwatchEndpoint ? { endpoint: opts.cloudwatchEndpoint } : {}),
        ...(opts.cloudwatchVotePeriod ? { votePeriodMs: opts.cloudwatchVotePeriod } : {}),
      };
    }

    if (opts.once) {
      const result = await runProbeOnce(base);
      for (const o of result.observations) process.stdout.write((opts.json ? JSON.stringify(o) : humanLine(o)) + '\n');
      if (!result.ok) {
        const failed = result.stats.sinks.filter((s) => s.buffered > 0 || s.failed > 0 || s.rejected > 0 || s.dropped > 0);
        const cw = result.stats.cloudwatch;
        const parts = [
          ...failed.map((s) => `${s.url}: ${s.lastError ?? 'not delivered'}`),
          ...(cw && (cw.errors > 0 || cw.buffered > 0) ? [`CloudWatch: ${cw.lastError ?? 'not delivered'}`] : []),
        ];
        process.stderr.write(`edgesteer: E_PROBE_SINK_FAILED: observations not delivered to every sink: ${parts.join('; ') || 'see the logs above'}\n`);
        process.exitCode = 1;
      }
      return;
    }

    let metricsAt: { host: string; port: number } | undefined;
    try {
      metricsAt = opts.metricsListen === undefined ? undefined : parseListen(opts.metricsListen, '--metrics-listen');
    } catch (err) {
      throw new ProbeError('E_PROBE_METRICS_LISTEN', (err as Error).message);
    }
    const metrics: ProbeMetrics | undefined = metricsAt ? createProbeMetrics() : undefined;
    const print = opts.json ? (o: Observation) => process.stdout.write(JSON.stringify(o) + '\n') : undefined;
    const onObservation = metrics || print ? (o: Observation) => { metrics?.observe(o); print?.(o); } : undefined;
    const log = createProbeLogger({ probe: probeId, region: opts.region, level: base.logLevel ?? 'info' });
    const handle = startProbe({ ...base, logger: log, ...(onObservation ? { onObservation } : {}) });
    let listener: MetricsListener | undefined;
    if (metrics && metricsAt) {
      metrics.setStats(() => handle.stats());
      try {
        listener = await startMetricsListener(metrics.registry, metricsAt);
      } catch (err) {
        await handle.stop(0);
        throw err;
      }
      log.info({ event: 'probe.metrics_listening', url: listener.url }, `metrics on ${listener.url}`);
    }
    await untilSignal({ log, stop: () => Promise.all([handle.stop(), listener?.close()]) });
  } catch (err) {
    if (err instanceof ProbeError) throw new CliError(err.code, err.message);
    throw err;
  }
}

/** Registers `edgesteer probe`. */
export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('Run the probe agent for one region: check every edge of the policy, report signed observations, publish CloudWatch metrics.')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .requiredOption('--region <id>', 'region (from the policy) this probe runs in')
    .option('--report-to <url>', 'POST signed reports here (repeatable), e.g. http://127.0.0.1:8080/v1/observations', (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option('--cloudwatch', 'publish Health/ConnectRtt/FirstByteRtt metrics with PutMetricData')
    .option('--cloudwatch-namespace <ns>', 'CloudWatch namespace', 'Edgesteer')
    .option('--cloudwatch-endpoint <url>', 'CloudWatch endpoint override (default: AWS_ENDPOINT_URL, else AWS)')
    .option('--cloudwatch-vote-period <ms>', 'period of the DownVote metric, equal to the Route53 alarms\' Period (default 60000)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 100) throw new Error('--cloudwatch-vote-period must be an integer number of milliseconds ≥ 100');
      return n;
    })
    .option('--once', 'check every edge once, deliver, and exit (1 if any sink failed)')
    .option('--json', 'print observations as JSON lines on stdout')
    .option('--key-file <file>', 'HMAC key file ("id region secret" lines, mode 600); default: EDGESTEER_PROBE_KEY')
    .option('--probe-id <id>', 'probe id / key id (default: the region id)')
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics (long-running mode only)')
    .option('--concurrency <n>', 'most checks open at once', positiveInt, 64)
    .addOption(new Option('--log-level <level>', 'log level (JSON logs go to stderr)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(async (opts: ProbeCliOptions) => {
      await run(opts);
    });
}
