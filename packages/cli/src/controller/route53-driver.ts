/**
 * The controller's Route53 loop: when the policy has a zone with
 * `route53.hostedZoneId`, reconcile Route53 from the controller's own table
 * (@edgesteer/route53's startReconcileLoop) — at once when the table
 * changes, and on an interval to repair drift. A policy reload restarts the
 * loop on the new policy; a policy without such a zone stops it.
 *
 * The safety threshold (a plan touching more than 30% of the owned records
 * is refused) guards the first reconcile after the controller starts: that
 * is where a controller pointed at the wrong zone, or at records someone
 * else manages, shows. After that the loop only carries the controller's own
 * state to Route53 and applies whatever the plan's size: a failover in a
 * small fleet legitimately touches half the records, and so does a service
 * TTL change; holding either back would leave Route53 answering differently
 * from the DNS server and the Worker, which hot-reload the same file. Review
 * a large policy change with `edgesteer route53 plan` before saving it.
 * `force` lifts the guard on the first cycle too.
 *
 * Several controllers may run this side by side: they compute the same
 * table from the same reports, and the reconciler's writes are diff-based
 * and idempotent, so the second one finds nothing to do.
 *
 * Metrics (`edgesteer_route53_*`) go on the controller's registry, so they
 * are on its /metrics.
 */
import type { RunningController } from '@edgesteer/control';
import type { Policy } from '@edgesteer/policy';
import { errorCode, startReconcileLoop, type ReconcileLoop, type ReconcileResult } from '@edgesteer/route53';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface Route53DriverOptions {
  /** Route53 endpoint (emulators); default the SDK's (AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL, else AWS). */
  endpoint?: string;
  /** CloudWatch endpoint for the alarms; default the SDK's (AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL, else AWS). */
  cloudwatchEndpoint?: string;
  /** Full reconcile at least this often (drift repair). Default 60 s. */
  intervalMs?: number;
  /** How often the table is checked for a change (no AWS call). Default 200 ms. */
  pollMs?: number;
  /** Route53 requests per second (the account-wide limit is 5). */
  route53RatePerSecond?: number;
  /** GetChange poll while waiting for INSYNC. Default the reconciler's (2 s). */
  insyncPollMs?: number;
  /** Apply the first reconcile of a policy even above the safety threshold. */
  force?: boolean;
}

export interface Route53Driver {
  /** True while a loop runs (the policy has a managed zone). */
  readonly active: boolean;
  stop(): Promise<void>;
}

/** Route53's own words for "slow down"; PriorRequestNotComplete is the per-zone variant. */
const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException', 'PriorRequestNotComplete']);

/** Zones of the policy that Route53 manages. */
export function managedZones(policy: Policy): string[] {
  return policy.zones.filter((z) => z.route53?.hostedZoneId !== undefined).map((z) => `${z.name} (${z.route53!.hostedZoneId})`);
}

interface Route53Metrics {
  cycles: Counter<'result'>;
  writes: Counter;
  calls: Counter<'service' | 'op' | 'outcome'>;
  throttles: Counter<'service' | 'op' | 'code'>;
  errors: Counter<'code'>;
  duration: Histogram;
  lastCycle: Gauge;
  lastSuccess: Gauge;
  planChanges: Gauge;
  active: Gauge;
}

function createMetrics(registry: Registry): Route53Metrics {
  const registers = [registry];
  return {
    cycles: new Counter({ name: 'edgesteer_route53_reconcile_cycles_total', help: 'Route53 reconcile cycles, by result (ok, error).', labelNames: ['result'], registers }),
    writes: new Counter({ name: 'edgesteer_route53_write_calls_total', help: 'Write calls made by reconcile cycles (ChangeResourceRecordSets, health checks, alarms); 0 for a cycle with nothing to change.', registers }),
    calls: new Counter({ name: 'edgesteer_route53_api_calls_total', help: 'AWS API attempts, by service (route53, cloudwatch), operation and outcome (ok, error).', labelNames: ['service', 'op', 'outcome'], registers }),
    throttles: new Counter({ name: 'edgesteer_route53_throttles_total', help: 'AWS API attempts answered with a throttling error (backed off and retried), by service, operation and code.', labelNames: ['service', 'op', 'code'], registers }),
    errors: new Counter({ name: 'edgesteer_route53_errors_total', help: 'Failed reconcile cycles, by error code.', labelNames: ['code'], registers }),
    duration: new Histogram({ name: 'edgesteer_route53_reconcile_duration_seconds', help: 'Duration of a reconcile cycle (read, plan, apply, wait for INSYNC).', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 600], registers }),
    lastCycle: new Gauge({ name: 'edgesteer_route53_last_cycle_timestamp_seconds', help: 'When the last reconcile cycle ended (unix seconds).', registers }),
    lastSuccess: new Gauge({ name: 'edgesteer_route53_last_success_timestamp_seconds', help: 'When the last successful reconcile cycle ended (unix seconds).', registers }),
    planChanges: new Gauge({ name: 'edgesteer_route53_last_plan_empty', help: '1 if the last plan had nothing to change (Route53 matched the table).', registers }),
    active: new Gauge({ name: 'edgesteer_route53_loop_active', help: '1 while the policy has a zone with route53.hostedZoneId and the loop runs.', registers }),
  };
}

/** Starts (or not, without a managed zone) the Route53 loop of a running controller. */
export function startRoute53Driver(running: RunningController, opts: Route53DriverOptions = {}): Route53Driver {
  const controller = running.controller;
  const log = controller.log;
  const m = createMetrics(controller.metrics.registry);
  let loop: ReconcileLoop | undefined;
  let loopPolicy: Policy | undefined;
  let switching: Promise<void> = Promise.resolve();
  let stopped = false;
  let cycleStart = performance.now();

  const restart = (policy: Policy, guarded: boolean): void => {
    switching = switching.then(async () => {
      if (stopped) return;
      await loop?.stop();
      loop = undefined;
      if (!stopped) begin(policy, guarded);
    });
  };

  const begin = (policy: Policy, guarded: boolean): void => {
    const zones = managedZones(policy);
    loopPolicy = policy;
    if (zones.length === 0) {
      m.active.set(0);
      log.info({ event: 'route53_off' }, 'route53: no zone with route53.hostedZoneId in the policy; not reconciling Route53');
      return;
    }
    const intervalMs = opts.intervalMs ?? 60_000;
    cycleStart = performance.now();
    loop = startReconcileLoop({
      policy,
      getTable: () => {
        cycleStart = performance.now();
        return controller.table;
      },
      intervalMs,
      pollMs: opts.pollMs ?? 200,
      apply: true,
      force: !guarded,
      logger: log,
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
      ...(opts.cloudwatchEndpoint !== undefined ? { cloudwatchEndpoint: opts.cloudwatchEndpoint } : {}),
      ...(opts.route53RatePerSecond !== undefined ? { route53RatePerSecond: opts.route53RatePerSecond } : {}),
      ...(opts.insyncPollMs !== undefined ? { insyncPollMs: opts.insyncPollMs } : {}),
      onCall: (c) => {
        m.calls.inc({ service: c.service, op: c.op, outcome: c.ok ? 'ok' : 'error' });
        if (!c.ok && c.code !== undefined && THROTTLE_CODES.has(c.code)) m.throttles.inc({ service: c.service, op: c.op, code: c.code });
      },
      onCycle: (r: ReconcileResult) => {
        const now = Date.now() / 1000;
        m.cycles.inc({ result: 'ok' });
        m.writes.inc(r.writes);
        m.duration.observe((performance.now() - cycleStart) / 1000);
        m.lastCycle.set(now);
        m.lastSuccess.set(now);
        m.planChanges.set(r.plan.empty ? 1 : 0);
        const refused = (r.applied?.failedChanges.length ?? 0) + (r.applied?.failedHealthChecks.length ?? 0);
        if (refused > 0) {
          log.error({ event: 'route53_refused', failedChanges: r.applied?.failedChanges, failedHealthChecks: r.applied?.failedHealthChecks }, `route53: ${refused} change(s) refused; the rest was applied`);
        } else if (!r.plan.empty) {
          log.info({ event: 'route53_applied', checksum: r.plan.checksum, summary: r.plan.summary, writes: r.writes, tableVersion: controller.table.version }, 'route53: applied the table');
        }
        // The guarded first reconcile passed: from now on Route53 follows the controller whatever the plan's size.
        if (guarded && loopPolicy === policy) restart(policy, false);
      },
      onError: (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        const c = typeof code === 'string' && code.startsWith('E_') ? code : errorCode(err);
        m.cycles.inc({ result: 'error' });
        m.errors.inc({ code: c });
        m.duration.observe((performance.now() - cycleStart) / 1000);
        m.lastCycle.set(Date.now() / 1000);
        const hint =
          c === 'E_R53_SAFETY_THRESHOLD'
            ? 'the first reconcile after start is too large to apply unreviewed: check it with `edgesteer route53 plan --policy FILE --table <controller>/v1/table`, then apply it with `edgesteer route53 apply --force` or restart the controller with --route53-force'
            : 'retrying on the next interval or table change';
        log.error({ event: 'route53_error', code: c, err: (err as Error).message }, `route53 reconcile failed (${c}); ${hint}`);
      },
    });
    m.active.set(1);
    log.info({ event: 'route53_loop', zones, intervalMs, guarded, endpoint: opts.endpoint ?? '(SDK default)', cloudwatchEndpoint: opts.cloudwatchEndpoint ?? '(SDK default)' }, `route53: reconciling ${zones.join(', ')}`);
  };

  // A reloaded policy (the table's policy hash changes with it) restarts the loop on it.
  const off = controller.onTable(() => {
    if (controller.policy === loopPolicy || stopped) return;
    loopPolicy = controller.policy;
    // A reload is as intended as the file it came from: the new loop applies it whatever the plan's size.
    restart(controller.policy, false);
  });
  begin(controller.policy, opts.force !== true);

  return {
    get active() {
      return loop !== undefined;
    },
    async stop() {
      stopped = true;
      off();
      await switching;
      await loop?.stop();
      loop = undefined;
      m.active.set(0);
    },
  };
}
