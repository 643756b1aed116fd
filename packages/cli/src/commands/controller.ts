import { Option, type Command } from 'commander';
import { ControlError, DEFAULT_LISTEN, DEFAULT_STATE_DIR, DEFAULT_TICK_MS, startController } from '@edgesteer/control';
import { CliError } from '../cli-error.js';
import { startRoute53Driver, type Route53Driver } from '../controller/route53-driver.js';

interface ControllerFlags {
  policy: string;
  listen: string;
  stateDir: string;
  state: boolean;
  keyFile?: string;
  tickMs: string;
  watch: boolean;
  route53: boolean;
  route53Endpoint?: string;
  cloudwatchEndpoint?: string;
  route53Interval: string;
  route53InsyncPollMs?: string;
  route53Force?: boolean;
}

/** Runs a controller until SIGINT/SIGTERM, then shuts it down cleanly (state flushed). */
async function runController(flags: ControllerFlags): Promise<void> {
  const tickMs = Number(flags.tickMs);
  if (!Number.isInteger(tickMs) || tickMs < 50 || tickMs > 60_000) {
    throw new CliError('E_USAGE', `--tick-ms must be an integer between 50 and 60000, got "${flags.tickMs}"`, 2);
  }
  let running;
  try {
    running = await startController({
      policyFile: flags.policy,
      listen: flags.listen,
      stateDir: flags.state ? flags.stateDir : false,
      ...(flags.keyFile ? { keyFile: flags.keyFile } : {}),
      tickMs,
      watch: flags.watch,
    });
  } catch (err) {
    if (err instanceof ControlError) throw new CliError(err.code, err.message);
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E_')) throw new CliError(err.code, err.message);
    throw err;
  }
  const r = running;
  const interval = Number(flags.route53Interval);
  if (!Number.isFinite(interval) || interval < 1) {
    await r.close();
    throw new CliError('E_USAGE', `--route53-interval must be a number of seconds ≥ 1, got "${flags.route53Interval}"`, 2);
  }
  const route53: Route53Driver | undefined = flags.route53
    ? startRoute53Driver(r, {
        intervalMs: interval * 1000,
        force: flags.route53Force === true,
        ...(flags.route53Endpoint !== undefined ? { endpoint: flags.route53Endpoint } : {}),
        ...(flags.cloudwatchEndpoint !== undefined ? { cloudwatchEndpoint: flags.cloudwatchEndpoint } : {}),
        ...(flags.route53InsyncPollMs !== undefined ? { insyncPollMs: Number(flags.route53InsyncPollMs) } : {}),
      })
    : undefined;
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      r.controller.log.info({ event: 'signal', signal }, `received ${signal}: shutting down`);
      void Promise.all([route53?.stop(), r.close()]).then(() => done(), (err: unknown) => {
        r.controller.log.error({ event: 'shutdown_failed', err: String(err) }, 'shutdown failed');
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `edgesteer controller`. */
export function registerController(program: Command): void {
  program
    .command('controller')
    .description('Ingest signed probe reports, decide, and serve the routing table, edge health, a live dashboard and /metrics.')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON); watched and hot-reloaded')
    .option('--listen <host:port>', 'HTTP listen address (port 0 = any free port)', DEFAULT_LISTEN)
    .option('--state-dir <dir>', 'where table, decision state and recent observations are persisted', DEFAULT_STATE_DIR)
    .option('--no-state', 'keep state in memory only (nothing survives a restart)')
    .option('--key-file <file>', 'probe HMAC keys, one "probe-id region secret" per line, chmod 600 (default: $EDGESTEER_PROBE_KEYS)')
    .option('--tick-ms <n>', 'decision tick: staleness and fail-static are re-evaluated this often', String(DEFAULT_TICK_MS))
    .option('--no-watch', 'do not watch the policy file (reload with POST /v1/reload)')
    .option('--no-route53', 'do not reconcile Route53, even when a zone has route53.hostedZoneId')
    .option('--route53-endpoint <url>', 'Route53 endpoint (emulators; default: AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL, else AWS)')
    .option('--cloudwatch-endpoint <url>', 'CloudWatch endpoint for the health-check alarms (default: AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL, else AWS)')
    .option('--route53-force', 'apply policy/ownership changes to Route53 even when they touch more than 30% of the owned records (failovers are never gated)')
    .option('--route53-interval <seconds>', 'full Route53 reconcile at least this often (a table change reconciles at once)', '60')
    .addOption(new Option('--route53-insync-poll-ms <ms>', 'GetChange poll while waiting for INSYNC (tests)').hideHelp())
    .addHelpText(
      'after',
      `
Environment:
  EDGESTEER_PROBE_KEYS   probe keys "id region secret,id2 region2 secret2" (when --key-file is not given)
  EDGESTEER_ADMIN_TOKEN  bearer token for POST /v1/reload (admin endpoints are off without it)
  EDGESTEER_LOG_LEVEL    pino level (default info); logs are JSON lines on stdout

Endpoints:
  GET  /                  live dashboard
  GET  /v1/table          routing table (ETag; ?wait=1 long-polls until it changes)
  GET  /v1/table/stream   server-sent events, one per new table
  GET  /v1/edges          verdict, RTT and last failure per edge and region
  GET  /healthz           table, policy and report status
  GET  /metrics           Prometheus text
  POST /v1/observations   signed probe reports
  POST /v1/reload         re-read the policy (Bearer $EDGESTEER_ADMIN_TOKEN)

Route53: when a zone of the policy has route53.hostedZoneId, the controller
reconciles it from its table (at once on a change, else every --route53-interval),
with AWS credentials from the SDK's standard chain. Metrics: edgesteer_route53_*.

Example:
  EDGESTEER_PROBE_KEYS=probe-us-east=$(openssl rand -hex 32) \\
    edgesteer controller --policy config/policy.yaml --listen 127.0.0.1:8080
`,
    )
    .action(async (flags: ControllerFlags) => runController(flags));
}
