/**
 * The CloudWatch alarm behind an edge's CLOUDWATCH_METRIC health check, so
 * Route53 fails over on its own even when no edgesteer process runs.
 *
 * Route53 can only follow single-metric alarms on standard-resolution
 * metrics with a plain statistic (AlarmIdentifier in the Route53 API
 * reference), so a metric-math alarm over one metric per probe region cannot
 * back a health check. The quorum is instead counted by the metric itself:
 *
 *   Edgesteer/DownVote {Edge=<edge>}   standard resolution, one datapoint per
 *                                      probe region per aligned period:
 *                                      1 = this region says the edge is down
 *                                      (its rise/fall state), 0 = up
 *   alarm: Sum over the period ≥ q     q = min(health.quorum, regions), as core
 *
 * So the alarm fires exactly when at least q regions vote down in the same
 * period. A region without data adds nothing: missing data never counts as
 * down and never lowers the quorum (core's rule, verdicts.ts). No data at all
 * → INSUFFICIENT_DATA → the health check keeps its last status (fail-static).
 * Each probe publishes at most one vote per (edge, period) (probes/src/cloudwatch.ts),
 * so a region is counted once; run one CloudWatch-publishing probe per region.
 */
import type { Policy } from '@edgesteer/policy';
import { canonicalJson } from './checksum.js';
import type { AlarmSpec } from './model.js';
import { alarmName } from './names.js';

/** Namespace and metric the probes publish. */
export const METRIC_NAMESPACE = 'Edgesteer';
export const HEALTH_METRIC = 'Health';
/** The per-region vote metric the alarms sum. */
export const DOWN_VOTE_METRIC = 'DownVote';

/** Tunables of the alarm. */
export interface AlarmOptions {
  /** Vote period, seconds (a multiple of 60: Route53 needs standard resolution); the probes' vote period must match. Default 60. */
  periodSeconds?: number;
  /** Consecutive breaching periods before ALARM. Default 1. */
  evaluationPeriods?: number;
}

/** The alarm of one edge. */
export function alarmSpec(policy: Policy, edgeId: string, opts: AlarmOptions = {}): AlarmSpec {
  const n = Math.max(1, policy.regions.length);
  const q = Math.max(1, Math.min(policy.health.quorum, n));
  const periods = opts.evaluationPeriods ?? 1;
  return {
    name: alarmName(policy.owner, edgeId),
    description: alarmDescription(policy.owner, edgeId, q, n),
    // No actions: the Route53 health check reads the alarm state.
    actionsEnabled: false,
    namespace: METRIC_NAMESPACE,
    metricName: DOWN_VOTE_METRIC,
    dimensions: [{ name: 'Edge', value: edgeId }],
    statistic: 'Sum',
    period: opts.periodSeconds ?? 60,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    threshold: q,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    // A period without votes is not a down vote.
    treatMissingData: 'missing',
  };
}

/** The description doubles as the ownership marker of the alarm. */
export function alarmDescription(owner: string, edge: string, quorum: number, regions: number): string {
  return `edgesteer owner=${owner} edge=${edge}: ALARM when at least ${quorum} of ${regions} probe regions vote the edge down`;
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
