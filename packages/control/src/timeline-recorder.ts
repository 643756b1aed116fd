/**
 * Writes what a decision cycle changed to the three places an operator
 * looks: the failover timeline (dashboard, /v1/timeline), the log
 * (`verdict_changed`, `answer_changed`) and the change counters.
 */
import type { TimelineEvent } from './changes.js';
import type { CycleResult } from './decision-cycle.js';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import type { Ring } from './ring.js';

/** Records a cycle's verdict flips and answer changes (see module doc). */
export function recordChanges(r: CycleResult, timeline: Ring<TimelineEvent>, metrics: ControllerMetrics, log: Logger): void {
  for (const v of r.verdicts) {
    timeline.push(v);
    metrics.verdictChanges.inc({ edge: v.edge, to: v.to });
    const write = v.to === 'down' ? log.warn.bind(log) : log.info.bind(log);
    write({ event: 'verdict_changed', edge: v.edge, from: v.from, to: v.to, reason: v.reason }, `edge ${v.edge} ${v.to}: ${v.reason}`);
  }
  for (const a of r.answers) {
    timeline.push(a);
    metrics.answerChanges.inc({ service: a.service, region: a.region });
    // info, not warn: a failover is the system working; the edge going down is what needs attention.
    log.info(
      { event: 'answer_changed', service: a.service, region: a.region, from: a.from, to: a.to, mode: a.toMode, reason: a.reason, version: r.table.version },
      `${a.service} in ${a.region}: ${a.from.join(',') || '-'} -> ${a.to.join(',') || '-'} (${a.reason})`,
    );
  }
}
