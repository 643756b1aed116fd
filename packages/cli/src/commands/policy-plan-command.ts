/**
 * Registers `edgesteer policy plan`. Its work (core, control, whatif) is
 * imported when the subcommand runs, so `edgesteer policy check` stays light.
 */
import type { Command } from 'commander';
import type { PlanCliOptions } from './policy-plan.js';

/** Registers `edgesteer policy plan` on the `policy` command. */
export function registerPolicyPlan(policy: Command): void {
  policy
    .command('plan')
    .description('What a policy change does before it ships: answers per service and region before -> after from current observations, the share of clients that moves, the Route53 record changes, risky-change warnings.')
    .argument('<new>', 'the new policy file')
    .option('--current <file>', 'the policy serving now (default with --controller: the one it serves)')
    .option('--controller <url>', 'take current observations (and policy) from a running controller (GET /v1/state)')
    .option('--state <file>', 'take current observations from a saved controller state file (.edgesteer-state/controller-state.json)')
    .option('--clients <file>', 'sampled client addresses, one per line, to count moved clients by sample too')
    .option('--json', 'print the plan as JSON')
    .option('--max-moved <pct>', 'CI gate: exit 4 when more than this percentage of clients would move (by samples when given, else by address space), 0 otherwise')
    .addHelpText(
      'after',
      '\nExit status: 0 no answer changes, 3 answers change, 1 invalid policy or input, 2 usage;\nwith --max-moved: 0 within the limit, 4 above it.\n\nExamples:\n  edgesteer policy plan new.yaml --current config/policy.yaml --state .edgesteer-state/controller-state.json\n  edgesteer policy plan new.yaml --controller http://127.0.0.1:8080 --max-moved 5\n',
    )
    .action(async (file: string, opts: PlanCliOptions) => (await import('./policy-plan.js')).runPlan(file, opts));
}
