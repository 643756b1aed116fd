/**
 * The controller's gauges: table version and age, per-link up/RTT, per-edge
 * up/drained. Label values come from the policy and the state only, so a
 * probe cannot grow the series set.
 */
import type { DecisionState, RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { ControllerMetrics } from './metrics.js';

/** Sets every gauge from the served table and the decision state. */
export function updateGauges(m: ControllerMetrics, policy: Policy, state: DecisionState, table: RoutingTable): void {
  m.tableVersion.set(table.version);
  m.tableGenerated.set(table.generatedAt / 1000);
  for (const [key, link] of Object.entries(state.links)) {
    const [region, edge] = key.split('|') as [string, string];
    m.linkUp.set({ edge, region }, link.up ? 1 : 0);
    if (link.rttMs !== undefined) m.linkRtt.set({ edge, region }, link.rttMs / 1000);
  }
  for (const e of policy.edges) {
    m.edgeUp.set({ edge: e.id }, table.edges[e.id]?.up === false ? 0 : 1);
    m.edgeDrained.set({ edge: e.id }, e.drain ? 1 : 0);
  }
}

/** Drops per-edge and per-link series: after a policy change edges or regions may be gone. */
export function resetPolicyGauges(m: ControllerMetrics): void {
  m.linkRtt.reset();
  m.linkUp.reset();
  m.edgeUp.reset();
  m.edgeDrained.reset();
}
