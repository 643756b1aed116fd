/**
 * One reconcile: desired state → read current state → plan → (checks) →
 * apply. Used by `edgesteer route53 plan|apply` and by the controller.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Logger } from 'pino';
import type { Policy } from '@edgesteer/policy';
import type { RoutingTable } from '@edgesteer/core';
import type { AlarmOptions } from './alarms.js';
import { applyPlan, type ApplyOptions, type ApplyResult } from './apply.js';
import { ApiCaller, type CallerOptions } from './caller.js';
import { cloudwatchRegionOf, makeCloudWatchClient, makeRoute53Client, type ClientOptions } from './clients.js';
import { readCurrentState } from './current.js';
import { alarmRegionOf, desiredState, policyManagesRoute53 } from './desired.js';
import { alarmCoverage, coverageWarnings } from './alarm-coverage.js';
import { Route53Error } from './errors.js';
import { buildPlan, finishPlan, type Plan } from './plan.js';
import { deferReranks, type RerankLimiter } from './rerank-limit.js';
import { safetyCheck, type SafetyOptions } from './safety.js';
import { errorCode } from './retry.js';
import { cidrCollectionName } from './names.js';

/** Inputs of one reconcile. */
export interface ReconcileOptions extends ClientOptions, CallerOptions, ApplyOptions {
  policy: Policy;
  table: RoutingTable;
  /** Apply the plan (default: plan only). */
  apply?: boolean;
  /** Refuse to apply unless the plan's checksum is this one. */
  checksum?: string;
  /** Apply even above the safety threshold. */
  force?: boolean;
  /** Manage records at our keys that carry no marker. */
  takeOwnership?: boolean;
  safety?: SafetyOptions;
  alarm?: AlarmOptions;
  /** ListResourceRecordSets page size (max 300). */
  pageSize?: number;
  /** Prebuilt clients (else built from the endpoint options). */
  route53Client?: Route53Client;
  cloudwatchClient?: CloudWatchClient;
  /** Reuse a caller across cycles (loop mode) so pacing spans cycles. */
  caller?: ApiCaller;
  logger?: Logger;
  /** Re-rank memory across cycles (loop mode); a one-shot run starts empty. */
  rerankLimiter?: RerankLimiter;
  /** Warn about alarms heard from fewer than quorum regions (one GetMetricData read). Default false. */
  checkAlarmCoverage?: boolean;
  /** Clock for the re-rank limiter and the coverage window. Default Date.now. */
  clock?: () => number;
}

/** Outcome of one reconcile. */
export interface ReconcileResult {
  plan: Plan;
  /** Set when the plan was applied. */
  applied?: ApplyResult;
  /** Write calls made (0 for a plan, or an apply with nothing to do). */
  writes: number;
  /** The policy manages no Route53 zone: nothing was planned and no call was made. */
  noZone?: boolean;
  /** Re-rank units held back this cycle (limit, or no healthy edge). */
  deferred?: string[];
}

/** The empty plan of a policy without Route53 zones. */
function noZonePlan(policy: Policy): Plan {
  return finishPlan({ owner: policy.owner, zones: [], healthChecks: [], alarms: [] }, [], ['the policy has no zone with route53.hostedZoneId: Route53 is not managed, nothing to plan'], 0, 0, 0);
}

const WRITE_OPS = ['ChangeResourceRecordSets', 'CreateHealthCheck', 'UpdateHealthCheck', 'DeleteHealthCheck', 'ChangeTagsForResource', 'PutMetricAlarm', 'DeleteAlarms', 'CreateCidrCollection', 'ChangeCidrCollection', 'DeleteCidrCollection'];

/** Builds the ApiCaller a reconcile uses from its options. */
export function callerFor(opts: Omit<ReconcileOptions, 'table'> & { needsCloudWatch: boolean }): ApiCaller {
  const route53 = opts.route53Client ?? makeRoute53Client(opts);
  // Against real AWS (no endpoint override, no injected client) alarms are
  // always read, so alarms of edges moved to native checks get cleaned up;
  // against an emulator only when a CloudWatch endpoint is given or alarms
  // are needed — never silently against real CloudWatch.
  const realAws = opts.route53Client === undefined && opts.endpoint === undefined;
  const wantCw = opts.cloudwatchClient !== undefined || opts.cloudwatchEndpoint !== undefined || realAws || opts.needsCloudWatch;
  const cwOpts = { ...opts, cloudwatchRegion: alarmRegionOf(opts.policy, opts.cloudwatchRegion) };
  const cloudwatch = opts.cloudwatchClient ?? (wantCw ? makeCloudWatchClient(cwOpts) : undefined);
  return new ApiCaller(route53, cloudwatch, {
    ...opts,
    endpoints: {
      route53: opts.endpoint ?? 'https://route53.amazonaws.com',
      cloudwatch: opts.cloudwatchEndpoint ?? `https://monitoring.${cloudwatchRegionOf(cwOpts)}.amazonaws.com`,
    },
  });
}

/** Plans, and when asked applies, one reconcile. */
export async function reconcileOnce(opts: ReconcileOptions): Promise<ReconcileResult> {
  const log = opts.logger;
  // No managed zone: say so, and make no call at all (not even credentials).
  if (!policyManagesRoute53(opts.policy)) return { plan: noZonePlan(opts.policy), writes: 0, noZone: true };
  const clock = opts.clock ?? Date.now;
  const { desired, warnings } = desiredState(opts.policy, opts.table, { cloudwatchRegion: alarmRegionOf(opts.policy, opts.cloudwatchRegion), ...(opts.alarm ? { alarm: opts.alarm } : {}) });
  if (opts.cloudwatchRegion !== undefined && (opts.policy.health as { alarmRegion?: string }).alarmRegion !== undefined && opts.cloudwatchRegion !== alarmRegionOf(opts.policy)) {
    warnings.push(`--cloudwatch-region ${opts.cloudwatchRegion} ignored: the policy's health.alarmRegion (${alarmRegionOf(opts.policy)}) is where the probes publish`);
  }
  const needsCloudWatch = Object.keys(desired.alarms).length > 0;
  const caller = opts.caller ?? callerFor({ ...opts, needsCloudWatch });
  if (needsCloudWatch && !caller.cloudwatch) {
    throw new Route53Error('E_R53_NO_CLOUDWATCH', 'edges with check.route53: cloudwatch need CloudWatch alarms, but no CloudWatch client is configured; pass --cloudwatch-endpoint for an emulator');
  }
  const t0 = performance.now();
  const current = await readCurrentState(caller, desired.zones, desired.owner, {
    alarms: caller.cloudwatch !== undefined,
    // Read by name even when no longer wanted, so a collection left behind is cleaned up.
    cidrCollection: desired.cidrCollection?.name ?? cidrCollectionName(desired.owner),
    cidrOptional: desired.cidrCollection === undefined,
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
  });
  if (opts.checkAlarmCoverage && caller.cloudwatch && Object.keys(desired.alarms).length > 0) {
    try {
      warnings.push(...coverageWarnings(await alarmCoverage(caller, opts.policy, desired.alarms, clock()), opts.policy));
    } catch (err) {
      // A warning about warnings: the plan itself does not depend on it.
      warnings.push(`could not check which probe regions feed the alarms (GetMetricData: ${errorCode(err)}); grant cloudwatch:GetMetricData to see it`);
    }
  }
  const full = buildPlan(desired, current, { takeOwnership: opts.takeOwnership === true, warnings });
  const { plan, deferred, reranked } = deferReranks(full, opts.rerankLimiter, clock());
  log?.info({ event: 'route53_plan', component: 'route53', owner: plan.owner, checksum: plan.checksum, empty: plan.empty, summary: plan.summary, deferred, tableVersion: opts.table.version, ms: Math.round(performance.now() - t0) }, plan.empty ? 'route53 plan: no changes' : 'route53 plan ready');
  if (!opts.apply) return { plan, writes: 0, deferred };

  if (opts.checksum !== undefined && opts.checksum !== plan.checksum) {
    throw new Route53Error('E_R53_CHECKSUM_MISMATCH', `the plan changed since it was reviewed: expected checksum ${opts.checksum}, current plan has ${plan.checksum}; run plan again and review it`, { plan });
  }
  const safety = safetyCheck(plan, opts.safety);
  if (safety.exceeds && !opts.force) {
    throw new Route53Error('E_R53_SAFETY_THRESHOLD', safety.message, { plan });
  }
  if (plan.empty) return { plan, writes: 0, deferred };
  const applied = await applyPlan(caller, plan, opts);
  const failedUnits = new Set(applied.failedChanges.map((f) => f.unit));
  for (const u of reranked) if (!failedUnits.has(u)) opts.rerankLimiter?.record(u, clock());
  const writes = WRITE_OPS.reduce((n, op) => n + (applied.calls[op] ?? 0), 0);
  log?.info({ event: 'route53_apply', component: 'route53', owner: plan.owner, checksum: plan.checksum, batches: applied.batches, writes, reranked: plan.summary.reranked, failedChanges: applied.failedChanges.length, failedHealthChecks: applied.failedHealthChecks.length, calls: applied.calls }, 'route53 apply done');
  return { plan, applied, writes, deferred };
}
