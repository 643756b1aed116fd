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
import { desiredState } from './desired.js';
import { Route53Error } from './errors.js';
import { buildPlan, type Plan } from './plan.js';
import { safetyCheck, type SafetyOptions } from './safety.js';

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
}

/** Outcome of one reconcile. */
export interface ReconcileResult {
  plan: Plan;
  /** Set when the plan was applied. */
  applied?: ApplyResult;
  /** Write calls made (0 for a plan, or an apply with nothing to do). */
  writes: number;
}

const WRITE_OPS = ['ChangeResourceRecordSets', 'CreateHealthCheck', 'UpdateHealthCheck', 'DeleteHealthCheck', 'ChangeTagsForResource', 'PutMetricAlarm', 'DeleteAlarms'];

/** Builds the ApiCaller a reconcile uses from its options. */
export function callerFor(opts: Omit<ReconcileOptions, 'table'> & { needsCloudWatch: boolean }): ApiCaller {
  const route53 = opts.route53Client ?? makeRoute53Client(opts);
  // Against real AWS (no endpoint override, no injected client) alarms are
  // always read, so alarms of edges moved to native checks get cleaned up;
  // against an emulator only when a CloudWatch endpoint is given or alarms
  // are needed — never silently against real CloudWatch.
  const realAws = opts.route53Client === undefined && opts.endpoint === undefined;
  const wantCw = opts.cloudwatchClient !== undefined || opts.cloudwatchEndpoint !== undefined || realAws || opts.needsCloudWatch;
  const cloudwatch = opts.cloudwatchClient ?? (wantCw ? makeCloudWatchClient(opts) : undefined);
  return new ApiCaller(route53, cloudwatch, opts);
}

/** Plans, and when asked applies, one reconcile. */
export async function reconcileOnce(opts: ReconcileOptions): Promise<ReconcileResult> {
  const log = opts.logger;
  const { desired, warnings } = desiredState(opts.policy, opts.table, { cloudwatchRegion: cloudwatchRegionOf(opts), ...(opts.alarm ? { alarm: opts.alarm } : {}) });
  const needsCloudWatch = Object.keys(desired.alarms).length > 0;
  const caller = opts.caller ?? callerFor({ ...opts, needsCloudWatch });
  if (needsCloudWatch && !caller.cloudwatch) {
    throw new Route53Error('E_R53_NO_CLOUDWATCH', 'edges with check.route53: cloudwatch need CloudWatch alarms, but no CloudWatch client is configured; pass --cloudwatch-endpoint for an emulator');
  }
  const t0 = performance.now();
  const current = await readCurrentState(caller, desired.zones, desired.owner, { alarms: caller.cloudwatch !== undefined, ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
  const plan = buildPlan(desired, current, { takeOwnership: opts.takeOwnership === true, warnings });
  log?.info({ event: 'route53.plan', owner: plan.owner, checksum: plan.checksum, empty: plan.empty, summary: plan.summary, tableVersion: opts.table.version, ms: Math.round(performance.now() - t0) }, plan.empty ? 'route53 plan: no changes' : 'route53 plan ready');
  if (!opts.apply) return { plan, writes: 0 };

  if (opts.checksum !== undefined && opts.checksum !== plan.checksum) {
    throw new Route53Error('E_R53_CHECKSUM_MISMATCH', `the plan changed since it was reviewed: expected checksum ${opts.checksum}, current plan has ${plan.checksum}; run plan again and review it`, { plan });
  }
  const safety = safetyCheck(plan, opts.safety);
  if (safety.exceeds && !opts.force) {
    throw new Route53Error('E_R53_SAFETY_THRESHOLD', safety.message, { plan });
  }
  if (plan.empty) return { plan, writes: 0 };
  const applied = await applyPlan(caller, plan, opts);
  const writes = WRITE_OPS.reduce((n, op) => n + (applied.calls[op] ?? 0), 0);
  log?.info({ event: 'route53.apply', owner: plan.owner, checksum: plan.checksum, batches: applied.batches, writes, failedChanges: applied.failedChanges.length, failedHealthChecks: applied.failedHealthChecks.length, calls: applied.calls }, 'route53 apply done');
  return { plan, applied, writes };
}
