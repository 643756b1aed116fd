/**
 * "Does every alarm hear from enough regions?" An alarm can only go to
 * ALARM when at least quorum regions vote; a region whose probe does not
 * publish to the alarms' region (wrong AWS_REGION, no --cloudwatch, no
 * credentials) silently lowers how many can. `route53 plan` reads the
 * probes' per-region `Health{Edge, ProbeRegion}` series for the last few
 * minutes and warns for every alarm with data from fewer than quorum regions.
 */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Policy } from '@edgesteer/policy';
import { effectiveQuorum } from '@edgesteer/core';
import { HEALTH_METRIC, METRIC_NAMESPACE } from './alarms.js';
import type { ApiCaller } from './caller.js';
import type { AlarmSpec } from './model.js';

/** Per alarm: the regions heard from, and a warning when fewer than quorum. */
export interface AlarmCoverage {
  edge: string;
  alarm: string;
  regions: string[];
  quorum: number;
}

/** Reads coverage for `alarms` over the last `windowMs` (default 5 min). */
export async function alarmCoverage(caller: ApiCaller, policy: Policy, alarms: Record<string, AlarmSpec>, now: number, windowMs = 300_000): Promise<AlarmCoverage[]> {
  const q = effectiveQuorum(policy.health.quorum, policy.regions.length);
  const pairs: Array<{ edge: string; region: string }> = [];
  for (const edge of Object.keys(alarms).sort()) for (const r of policy.regions) pairs.push({ edge, region: r.id });
  const heard = new Map<string, Set<string>>();
  // GetMetricData takes at most 500 queries per request.
  for (let i = 0; i < pairs.length; i += 500) {
    const chunk = pairs.slice(i, i + 500);
    const queries: MetricDataQuery[] = chunk.map((p, j) => ({
      Id: `q${i + j}`,
      MetricStat: {
        Metric: { Namespace: METRIC_NAMESPACE, MetricName: HEALTH_METRIC, Dimensions: [{ Name: 'Edge', Value: p.edge }, { Name: 'ProbeRegion', Value: p.region }] },
        Period: 60,
        Stat: 'SampleCount',
      },
    }));
    const res = await caller.cw('GetMetricData', (c) => c.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(now - windowMs), EndTime: new Date(now) })));
    for (const r of res.MetricDataResults ?? []) {
      const idx = Number((r.Id ?? '').slice(1)) - i;
      const p = chunk[idx];
      if (!p || (r.Values ?? []).every((v) => !(v > 0))) continue;
      let s = heard.get(p.edge);
      if (!s) heard.set(p.edge, (s = new Set()));
      s.add(p.region);
    }
  }
  return Object.keys(alarms).sort().map((edge) => ({ edge, alarm: alarms[edge]!.name, regions: [...(heard.get(edge) ?? [])].sort(), quorum: q }));
}

/** Warning lines for alarms heard from fewer than quorum regions. */
export function coverageWarnings(cov: readonly AlarmCoverage[], policy: Policy): string[] {
  return cov
    .filter((c) => c.regions.length < c.quorum)
    .map((c) => {
      const missing = policy.regions.map((r) => r.id).filter((r) => !c.regions.includes(r));
      return `alarm ${c.alarm} has data from ${c.regions.length} of ${policy.regions.length} probe regions in the last 5 minutes (needs ${c.quorum} to ever go to ALARM); no data from: ${missing.join(', ')} — run their probes with --cloudwatch`;
    });
}
