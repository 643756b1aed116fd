import { Option, type Command } from 'commander';
import { DEFAULT_LISTEN, DEFAULT_STATE_DIR, DEFAULT_TICK_MS, startController } from '@edgesteer/control';
import { errorCodeOf } from '@edgesteer/policy';
import { CliError } from '../cli-error.js';
import { addLogOptions, createLogger, type LogFlags } from '../process/logging.js';
import { untilSignal } from '../process/shutdown.js';
import { startRoute53Driver, type Route53Driver } from '../controller/route53-driver.js';

interface ControllerFlags extends LogFlags {
  plane?: string[];
  planePollMs?: number;
  sseMaxQueue?: number;
  policy: string;
  listen: string;
  stateDir: string;
  state: boolean;
  keyFile?: string;
  tickMs: number;
  watch: boolean;
  route53: boolean;
  route53Endpoint?: string;
  cloudwatchEndpoint?: string;
  route53Interval: number;
  route53InsyncPollMs?: string;
  route53Force?: boolean;
}

/** Runs a controller until SIGINT/SIGTERM, then shuts it down cleanly (state flushed). */
async function runController(flags: ControllerFlags): Promise<void> {
  const tickMs = flags.tickMs;
  if (!Number.isInteger(tickMs) || tickMs < 50 || tickMs > 60_000) {
    throw new CliError('E_USAGE', `--tick-ms must be an integer between 50 and 60000, got "${flags.tickMs}"`, 2);
  }
  for (const u of flags.plane ?? []) {
    if (!/^https?:\/\/[^/]/.test(u)) throw new CliError('E_USAGE', `--plane "${u}" is not an http(s) base URL (e.g. http://127.0.0.1:9353 for a DNS server's HTTP listener)`, 2);
  }
  const logger = await createLogger('controller', flags);
  let running;
  try {
    running = await startController({
      logger,
      ...(flags.plane ? { planes: flags.plane } : {}),
      ...(flags.planePollMs !== undefined ? { planePollMs: flags.planePollMs } : {}),
      ...(flags.sseMaxQueue !== undefined ? { sseMaxQueue: flags.sseMaxQueue } : {}),
      policyFile: flags.policy,
      listen: flags.listen,
      stateDir: flags.state ? flags.stateDir : false,
      ...(flags.keyFile ? { keyFile: flags.keyFile } : {}),
      tickMs,
      watch: flags.watch,
    });
  } catch (err) {
    const code = errorCodeOf(err);
    if (code) throw new CliError(code, (err as Error).message);
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
  await untilSignal({ log: r.controller.log, stop: () => Promise.all([route53?.stop(), r.close()]) });
}

/** Registers `edgesteer controller`. */
export function registerController(program: Command): void {
  const cmd = program
    .command('controller')
    .description('Ingest signed probe reports, decide, and serve the routing table, edge health, a live dashboard and /metrics.')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON); watched and hot-reloaded')
    .option('--listen <host:port>', 'HTTP listen address (port 0 = any free port)', DEFAULT_LISTEN)
    .option('--state-dir <dir>', 'where table, decision state and recent observations are persisted', DEFAULT_STATE_DIR)
    .option('--no-state', 'keep state in memory only (nothing survives a restart)')
    .option('--key-file <file>', 'probe HMAC keys, one "probe-id region secret" per line, chmod 600 (default: $EDGESTEER_PROBE_KEYS)')
    .option('--plane <url>', 'a data plane to watch on the dashboard (repeatable): base URL whose GET /healthz follows the plane health contract (DNS server HTTP listener, Worker)', (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option('--tick-ms <n>', 'decision tick: staleness and fail-static are re-evaluated this often', Number, DEFAULT_TICK_MS)
    .option('--no-watch', 'do not watch the policy file (reload with POST /v1/reload)')
    .option('--no-route53', 'do not reconcile Route53, even when a zone has route53.hostedZoneId')
    .option('--route53-endpoint <url>', 'Route53 endpoint (emulators; default: AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL, else AWS)')
    .option('--cloudwatch-endpoint <url>', 'CloudWatch endpoint for the health-check alarms (default: AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL, else AWS)')
    .option('--route53-force', 'apply policy/ownership changes to Route53 even when they touch more than 30% of the owned records (failovers are never gated)')
    .option('--route53-interval <seconds>', 'full Route53 reconcile at least this often (a table change reconciles at once)', Number, 60)
    .addOption(new Option('--route53-insync-poll-ms <ms>', 'GetChange poll while waiting for INSYNC (tests)').hideHelp())
    .addOption(new Option('--plane-poll-ms <ms>', 'how often each --plane is polled (tests)').argParser(Number).hideHelp())
    .addOption(new Option('--sse-max-queue <frames>', 'frames queued per stream client before it is dropped (tests)').argParser(Number).hideHelp());
  addLogOptions(cmd);
  cmd
    .addHelpText(
      'after',
      `
Environment:
  EDGESTEER_PROBE_KEYS   probe keys "id region secret,id2 region2 secret2" (when --key-file is not given)
  EDGESTEER_ADMIN_TOKEN  bearer token for POST /v1/reload (admin endpoints are off without it)
  EDGESTEER_LOG_LEVEL    default for --log-level

Endpoints:
  GET  /                  live dashboard
  GET  /v1/table          routing table (ETag; ?wait=1 long-polls until it changes)
  GET  /v1/table/stream   server-sent events, one per new table
  GET  /v1/edges          verdict, RTT and last failure per edge and region
  GET  /healthz           table, policy and report status (plane health contract)
  GET  /v1/planes         the --plane data planes and whether they serve the controller's table
  GET  /v1/state          decision state (read by: edgesteer explain --from URL)
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
