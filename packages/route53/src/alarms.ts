/**
 * The CloudWatch alarm behind an edge's CLOUDWATCH_METRIC health check, so
 * Route53 fails over on its own even when no edgesteer process runs.
 *
 * Route53 can only follow single-metric alarms on standard-resolution
 * metrics with a plain statistic (AlarmIdentifier in the Route53 API
 * reference; its CloudWatchAlarmConfiguration needs MetricName, Namespace,
 * Statistic), so a metric-math alarm over one metric per probe region cannot
 * back a health check. The alarm reads instead the probes' per-edge metric
 * `Edgesteer/Health{Edge=<edge>}` (1 = check passed, 0 = failed, published by
 * every probe region, standard resolution) and compares the mean over all
 * regions with a threshold placed between "quorum−1 regions fail" and
 * "quorum regions fail":
 *
 *   threshold = (N − q + ½) / N        N = regions, q = min(quorum, N)
 *
 * With equal check rates per region (one policy interval per edge), q regions
 * failing every check give a mean of (N−q)/N, below the threshold; q−1 give
 * (N−q+1)/N, above it. Regions without data do not count, which caps the
 * quorum at the regions with fresh data, as core does. No data at all →
 * INSUFFICIENT_DATA → the health check keeps its last status (fail-static).
 */
import type { Policy } from '@edgesteer/policy';
import { canonicalJson } from './checksum.js';
import type { AlarmSpec } from './model.js';
import { alarmName } from './names.js';

/** Namespace and metric the probes publish. */
export const METRIC_NAMESPACE = 'Edgesteer';
export const HEALTH_METRIC = 'Health';

/** Tunables of the alarm. */
export interface AlarmOptions {
  /** Datapoint period, seconds (a multiple of 60: Route53 needs standard resolution). Default 60. */
  periodSeconds?: number;
  /** Consecutive breaching periods before ALARM. Default 1. */
  evaluationPeriods?: number;
}

/** The alarm of one edge. */
export function alarmSpec(policy: Policy, edgeId: string, opts: AlarmOptions = {}): AlarmSpec {
  const n = Math.max(1, policy.regions.length);
  const q = Math.min(policy.health.quorum, n);
  const threshold = Math.round(((n - q + 0.5) / n) * 1e6) / 1e6;
  const periods = opts.evaluationPeriods ?? 1;
  return {
    name: alarmName(policy.owner, edgeId),
    description: alarmDescription(policy.owner, edgeId, q, n),
    // No actions: the Route53 health check reads the alarm state.
    actionsEnabled: false,
    namespace: METRIC_NAMESPACE,
    metricName: HEALTH_METRIC,
    dimensions: [{ name: 'Edge', value: edgeId }],
    statistic: 'Average',
    period: opts.periodSeconds ?? 60,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    threshold,
    comparisonOperator: 'LessThanThreshold',
    treatMissingData: 'missing',
  };
}

/** The description doubles as the ownership marker of the alarm. */
export function alarmDescription(owner: string, edge: string, quorum: number, regions: number): string {
  return `edgesteer owner=${owner} edge=${edge}: ALARM when about ${quorum} of ${regions} probe regions report the edge down`;
}

/** Owner and edge from an alarm description written by alarmDescription(), if it is one. */
export function parseAlarmDescription(description: string | undefined): { owner: string; edge: string } | undefined {
  const m = /^edgesteer owner=([a-z0-9-]+) edge=([a-z0-9-]+):/.exec(description ?? '');
  return m ? { owner: m[1]!, edge: m[2]! } : undefined;
}

/** Names of the alarm fields that differ. */
export function diffAlarm(current: AlarmSpec, desired: AlarmSpec): string[] {
  const fields = Object.keys(desired) as Array<keyof AlarmSpec>;
  return fields.filter((f) => f !== 'name' && canonicalJson(current[f]) !== canonicalJson(desired[f]));
}
