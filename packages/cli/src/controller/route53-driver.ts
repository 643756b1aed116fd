/**
 * The controller's Route53 loop: when the policy has a zone with
 * `route53.hostedZoneId`, reconcile Route53 from the controller's own table
 * (@edgesteer/route53's startReconcileLoop) — at once when the table
 * changes, and on an interval to repair drift. A policy reload restarts the
 * loop on the new policy; a policy without such a zone stops it.
 *
 * Same rules as `edgesteer route53 apply --loop` (it is the same loop,
 * @edgesteer/route53's startReconcileLoop, with the same log events): the
 * 30% gate refuses large policy/ownership changes (deletions, removed
 * services, take-over) on every cycle unless `force`; health- and RTT-driven
 * re-ranks are not gated but limited per record set per minute. A failover
 * in a small fleet therefore applies at once, while a policy edit that would
 * delete most records waits for a reviewed `route53 apply --force`.
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
import { loopErrorCode, startReconcileLoop, type ReconcileLoop, type ReconcileResult } from '@edgesteer/route53';
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
  /** Apply policy/ownership changes even above the 30% gate. */
  force?: boolean;
  /** Health/RTT re-ranks per record set per minute. Default 6. */
  maxReranksPerMinute?: number;
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

  const restart = (policy: Policy): void => {
    switching = switching.then(async () => {
      if (stopped) return;
      await loop?.stop();
      loop = undefined;
      if (!stopped) begin(policy);
    });
  };

  const begin = (policy: Policy): void => {
    const zones = managedZones(policy);
    loopPolicy = policy;
    if (zones.length === 0) {
      m.active.set(0);
      log.info({ event: 'route53_off', component: 'route53' }, 'route53: no zone with route53.hostedZoneId in the policy; not reconciling Route53');
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
      force: opts.force === true,
      logger: log,
      ...(opts.maxReranksPerMinute !== undefined ? { maxReranksPerMinute: opts.maxReranksPerMinute } : {}),
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
      },
      // The loop logs route53_error itself; here only the metrics.
      onError: (err: unknown) => {
        m.cycles.inc({ result: 'error' });
        m.errors.inc({ code: loopErrorCode(err) });
        m.duration.observe((performance.now() - cycleStart) / 1000);
        m.lastCycle.set(Date.now() / 1000);
      },
    });
    m.active.set(1);
    log.info({ event: 'route53_loop', component: 'route53', zones, intervalMs, force: opts.force === true, endpoint: opts.endpoint ?? '(SDK default)', cloudwatchEndpoint: opts.cloudwatchEndpoint ?? '(SDK default)' }, `route53: reconciling ${zones.join(', ')}`);
  };

  // A reloaded policy (the table's policy hash changes with it) restarts the loop on it.
  const off = controller.onTable(() => {
    if (controller.policy === loopPolicy || stopped) return;
    loopPolicy = controller.policy;
    // The new loop plans the new policy under the same gate as every cycle.
    restart(controller.policy);
  });
  begin(controller.policy);

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
