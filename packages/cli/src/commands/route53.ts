import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import type { Policy } from '@edgesteer/policy';
import { tableForPolicy, type RoutingTable } from '@edgesteer/core';
import {
  loadTable,
  policyManagesRoute53,
  reconcileOnce,
  renderPlan,
  renderPlanJson,
  Route53Error,
  startReconcileLoop,
  type ApplyResult,
  type ProgressEvent,
  type ReconcileOptions,
} from '@edgesteer/route53';
import { CliError } from '../cli-error.js';
import { readPolicy } from '../read-policy.js';

interface Route53CliOptions {
  policy: string;
  table?: string;
  endpoint?: string;
  cloudwatchEndpoint?: string;
  cloudwatchRegion?: string;
  json?: boolean;
  checksum?: string;
  force?: boolean;
  takeOwnership?: boolean;
  loop?: number;
  rate?: number;
  retries?: number;
  maxReranksPerMinute?: number;
  /** false with --no-wait. */
  wait: boolean;
  logLevel: string;
}

function positiveNumber(what: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
    return n;
  };
}

function url(what: string) {
  return (text: string): string => {
    if (!/^https?:\/\/[^/]/.test(text)) throw new InvalidArgumentError(`${what} "${text}" is not an http(s) URL`);
    return text;
  };
}

/** The table from --table (controller URL or file), else every edge assumed up. */
async function readTable(opts: Route53CliOptions, policy: Policy): Promise<RoutingTable> {
  if (opts.table === undefined) return tableForPolicy(policy, Date.now());
  return loadTable(opts.table);
}

function reconcileOptions(opts: Route53CliOptions, policy: Policy, table: RoutingTable): ReconcileOptions {
  const out: ReconcileOptions = {
    policy,
    table,
    force: opts.force === true,
    takeOwnership: opts.takeOwnership === true,
    waitForInsync: opts.wait,
    onProgress: (e: ProgressEvent) => process.stderr.write(`route53: ${e.phase}: ${e.message}${e.total !== undefined && e.total > 1 ? ` (${e.done}/${e.total})` : ''}\n`),
  };
  if (opts.endpoint !== undefined) out.endpoint = opts.endpoint;
  if (opts.cloudwatchEndpoint !== undefined) out.cloudwatchEndpoint = opts.cloudwatchEndpoint;
  if (opts.cloudwatchRegion !== undefined) out.cloudwatchRegion = opts.cloudwatchRegion;
  if (opts.checksum !== undefined) out.checksum = opts.checksum;
  if (opts.rate !== undefined) out.route53RatePerSecond = opts.rate;
  if (opts.retries !== undefined) out.retry = { networkAttempts: opts.retries };
  return out;
}

function toCliError(err: unknown): unknown {
  if (err instanceof Route53Error) return new CliError(err.code, err.message);
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  // An AWS error nobody handled: credentials, permissions, endpoint.
  if (e?.$metadata !== undefined) return new CliError('E_R53_AWS', `${e.name}: ${e.message} (check credentials, IAM permissions and --endpoint)`);
  if (e?.name === 'CredentialsProviderError') return new CliError('E_R53_CREDENTIALS', `${e.message}; set AWS credentials (environment, ~/.aws, SSO or instance role)`);
  return err;
}

function reportApplied(applied: ApplyResult): void {
  const calls = Object.entries(applied.calls).map(([op, n]) => `${op} ${n}`).join(', ');
  process.stderr.write(`route53: applied in ${applied.batches} change request(s); calls: ${calls || 'none'}\n`);
  for (const f of applied.failedChanges) {
    process.stderr.write(`route53: REFUSED ${f.code} in ${f.zone} (${f.unit}):\n`);
    for (const c of f.changes) process.stderr.write(`    ${c.action} ${c.name} ${c.type}${c.setIdentifier !== undefined ? ` [${c.setIdentifier}]` : ''}\n`);
    for (const m of f.messages) process.stderr.write(`    ${m}\n`);
  }
  for (const h of applied.failedHealthChecks) process.stderr.write(`route53: health check ${h.action} ${h.id ?? ''} (edge ${h.edge}) failed: ${h.code}: ${h.message}\n`);
}

async function runOnce(opts: Route53CliOptions, apply: boolean): Promise<void> {
  const policy = await readPolicy(opts.policy);
  if (!policyManagesRoute53(policy)) {
    // Said before any table read or AWS call: there is nothing to talk to AWS about.
    if (opts.json) process.stdout.write(JSON.stringify({ managed: false, zones: [], message: 'no zone with route53.hostedZoneId' }) + '\n');
    else process.stdout.write(`No hosted zone: ${opts.policy} has no zone with route53.hostedZoneId, so Route53 is not managed. Nothing to ${apply ? 'apply' : 'plan'}.\nAdd zones[].route53.hostedZoneId (e.g. Z0123456789ABC or /hostedzone/Z0123456789ABC) to manage Route53.\n`);
    return;
  }
  try {
    const table = await readTable(opts, policy);
    const r = await reconcileOnce({ ...reconcileOptions(opts, policy, table), apply, checkAlarmCoverage: true });
    if (opts.json) {
      process.stdout.write(apply ? JSON.stringify({ plan: r.plan, applied: r.applied ?? null }, null, 2) + '\n' : renderPlanJson(r.plan) + '\n');
    } else {
      process.stdout.write(renderPlan(r.plan));
    }
    if (r.applied) {
      reportApplied(r.applied);
      const failures = r.applied.failedChanges.length + r.applied.failedHealthChecks.length;
      if (failures > 0) {
        throw new CliError('E_R53_APPLY_PARTIAL', `${failures} change(s) were refused (see above); everything else was applied. Fix them and run apply again`);
      }
    } else if (apply && !opts.json) {
      process.stderr.write('route53: nothing to apply\n');
    }
  } catch (err) {
    throw toCliError(err);
  }
}

async function runLoop(opts: Route53CliOptions): Promise<void> {
  const policy = await readPolicy(opts.policy);
  const logger = pino({ name: 'edgesteer-route53', level: opts.logLevel, base: { pid: process.pid, component: 'route53' } }, pino.destination(2));
  if (!policyManagesRoute53(policy)) {
    logger.info({ event: 'route53_off', component: 'route53' }, `${opts.policy} has no zone with route53.hostedZoneId: Route53 is not managed; nothing to reconcile`);
    return;
  }
  const intervalMs = opts.loop! * 1000;
  const loop = startReconcileLoop({
    ...reconcileOptions(opts, policy, tableForPolicy(policy, Date.now())),
    onProgress: (e) => logger.debug({ event: 'route53_progress', component: 'route53', ...e }, e.message),
    logger,
    getTable: () => readTable(opts, policy),
    intervalMs,
    apply: true,
    ...(opts.maxReranksPerMinute !== undefined ? { maxReranksPerMinute: opts.maxReranksPerMinute } : {}),
  });
  logger.info({ event: 'route53_loop', component: 'route53', intervalMs, table: opts.table ?? '(policy, all edges up)' }, 'route53 reconcile loop started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ event: 'route53_stopping', component: 'route53', signal, cycles: loop.cycles }, 'stopping route53 loop');
      void loop.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--table <url|file>', 'routing table: a controller URL (GET, JSON) or a JSON file (default: from the policy, every edge up)')
    .option('--endpoint <url>', 'Route53 endpoint (emulators; default: AWS, or AWS_ENDPOINT_URL)', url('--endpoint'))
    .option('--cloudwatch-endpoint <url>', 'CloudWatch endpoint for the alarms (emulators)', url('--cloudwatch-endpoint'))
    .option('--cloudwatch-region <region>', 'region of the CloudWatch alarms the health checks read (default: AWS_REGION, else us-east-1)')
    .option('--json', 'print the plan as JSON')
    .option('--take-ownership', 'manage existing records at our names that carry no ownership marker')
    .option('--rate <n>', 'Route53 requests per second (account limit: 5)', positiveNumber('--rate'))
    .option('--retries <n>', 'attempts per call when the endpoint does not answer at all, before E_R53_UNREACHABLE (default 3, within 10 s)', positiveNumber('--retries'))
    .option('--log-level <level>', 'log level of loop mode', 'info');
}

/** Registers `edgesteer route53 plan|apply`. */
export function registerRoute53(program: Command): void {
  const route53 = program
    .command('route53')
    .description('Keep Route53 in the shape of the routing table: latency records aliasing per-region failover sets, health checks, CloudWatch alarms.');
  common(route53.command('plan'))
    .description('Show what apply would change (exit 0, "No changes." when in sync). Writes nothing.')
    .action(async (opts: Route53CliOptions) => runOnce(opts, false));
  common(route53.command('apply'))
    .description('Apply the plan: batched, paced and retried; waits for INSYNC. Refuses a plan whose policy/ownership changes touch >30% of owned records without --force (health/RTT re-ranks are not counted; they are rate-limited).')
    .option('--checksum <sha256>', 'apply only if the plan still has this checksum (from plan)')
    .option('--force', 'apply even above the safety threshold')
    .option('--loop <seconds>', 'keep reconciling: every N seconds and whenever the table version changes', positiveNumber('--loop'))
    .option('--max-reranks-per-minute <n>', 'health/RTT re-ranks allowed per record set per minute in loop mode (default 6)', positiveNumber('--max-reranks-per-minute'))
    .option('--no-wait', 'do not wait for changes to reach INSYNC')
    .action(async (opts: Route53CliOptions) => (opts.loop !== undefined ? runLoop(opts) : runOnce(opts, true)));
}
