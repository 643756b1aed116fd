import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { initialState, type DecisionState } from '@edgesteer/core';
import { parseSnapshot } from '@edgesteer/control';
import type { Policy } from '@edgesteer/policy';
import { planPolicyChange, renderPlanText, pct } from '@edgesteer/whatif';
import { CliError } from '../cli-error.js';
import { readPolicy } from '../read-policy.js';

export interface PlanCliOptions {
  current?: string;
  controller?: string;
  state?: string;
  clients?: string;
  json?: boolean;
  maxMoved?: string;
}

/** Exit codes of `policy plan` (besides 1 invalid input and 2 usage). */
export const PLAN_EXIT = { noChange: 0, changes: 3, overGate: 4 } as const;

interface Observed {
  state: DecisionState;
  now: number;
  policy?: Policy;
  label: string;
}

/** Current observations (and the policy serving them) from a controller's GET /v1/state. */
async function fromController(base: string): Promise<Observed> {
  const url = new URL('/v1/state', base);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError('E_CONTROLLER_UNREACHABLE', `cannot reach ${url.origin}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new CliError('E_CONTROLLER_STATE', `${url} answered ${res.status}; is it an edgesteer controller?`);
  const body = (await res.json()) as { now: number; policy: Policy; state: DecisionState };
  return { state: body.state, now: body.now, policy: body.policy, label: `controller ${url.origin}` };
}

async function fromStateFile(file: string): Promise<Observed> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('E_STATE_READ', `cannot read ${file}: ${(err as Error).message}`);
  }
  let snap;
  try {
    snap = parseSnapshot(JSON.parse(text), file);
  } catch (err) {
    throw new CliError('E_STATE_CORRUPT', (err as Error).message);
  }
  // As of the save: freshness is judged at the time the observations were current.
  return { state: snap.state, now: snap.savedAt, label: `state file ${file} (saved ${new Date(snap.savedAt).toISOString()})` };
}

async function readSamples(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').map((l) => l.split('#')[0]!.trim()).filter(Boolean);
  } catch (err) {
    throw new CliError('E_CLIENTS_READ', `cannot read ${file}: ${(err as Error).message}`);
  }
}

export async function runPlan(nextFile: string, opts: PlanCliOptions): Promise<void> {
  let gate: number | undefined;
  if (opts.maxMoved !== undefined) {
    gate = Number(opts.maxMoved.replace(/%$/, ''));
    if (!Number.isFinite(gate) || gate < 0 || gate > 100) throw new CliError('E_USAGE', '--max-moved takes a percentage between 0 and 100', 2);
  }
  if (opts.controller && opts.state) throw new CliError('E_USAGE', 'pass --controller or --state, not both', 2);
  const next = await readPolicy(nextFile);
  const observed: Observed = opts.controller ? await fromController(opts.controller) : opts.state ? await fromStateFile(opts.state) : { state: initialState(), now: Date.now(), label: 'none (every edge assumed up; pass --controller URL or --state FILE)' };
  let current: Policy;
  let currentLabel: string;
  if (opts.current) {
    current = await readPolicy(opts.current);
    currentLabel = opts.current;
  } else if (observed.policy) {
    current = observed.policy;
    currentLabel = 'the controller\'s policy';
  } else {
    throw new CliError('E_USAGE', 'pass --current OLD.yaml (or --controller URL to compare with the policy it serves)', 2);
  }
  const samples = opts.clients ? await readSamples(opts.clients) : undefined;
  const plan = planPolicyChange({ current, next, state: observed.state, now: observed.now, ...(samples ? { samples } : {}) });
  if (opts.json) process.stdout.write(JSON.stringify({ current: currentLabel, next: nextFile, observations: observed.label, ...plan }, null, 2) + '\n');
  else process.stdout.write(renderPlanText(plan, { current: currentLabel, next: nextFile, observations: observed.label }));

  if (gate !== undefined) {
    if (plan.maxMoved * 100 > gate) {
      process.stderr.write(`edgesteer: E_PLAN_GATE: ${pct(plan.maxMoved)} of clients would move, more than --max-moved ${gate}%\n`);
      process.exitCode = PLAN_EXIT.overGate;
    } else process.exitCode = PLAN_EXIT.noChange;
    return;
  }
  process.exitCode = plan.changes.length > 0 ? PLAN_EXIT.changes : PLAN_EXIT.noChange;
}
