/**
 * Failover and recovery times for every steering system, at its default and
 * fastest check settings. Each (system, setting) gets fresh processes.
 */
import { failoverTrials } from './failover.mjs';
import { REGIONS } from './scenario.mjs';

/** The region whose clients are watched: its own edge is the one killed. */
export const FAILOVER_REGION = REGIONS[1];

/**
 * @param {{ runners: any[], edges: any, dir: string, threads: number, budget: any, log: (s: string) => void }} o
 */
export async function failoverPhase(o) {
  const out = {};
  for (const runner of o.runners) {
    out[runner.id] = {};
    for (const setting of o.budget.failoverSettings) {
      if (!runner.settings.includes(setting)) continue;
      o.log(`  ${runner.id} (${setting}: ${runner.describeSetting(setting)})`);
      try {
        out[runner.id][setting] = {
          label: runner.label,
          describe: runner.describeSetting(setting),
          ...(await failoverTrials({
            start: () => runner.start({ dir: o.dir, edgePort: o.edges.port, threads: o.threads, setting }),
            edges: o.edges,
            region: FAILOVER_REGION,
            trials: o.budget.trials,
            budgetMs: o.budget.trialBudgetMs,
            failoverTimeoutMs: o.budget.failoverTimeoutMs[setting],
            recoveryTimeoutMs: o.budget.recoveryTimeoutMs[setting],
            log: o.log,
          })),
        };
      } catch (err) {
        o.log(`    failed: ${err.message.split('\n')[0]}`);
        out[runner.id][setting] = { label: runner.label, describe: runner.describeSetting(setting), error: err.message };
      }
    }
  }
  return out;
}
