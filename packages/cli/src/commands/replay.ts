import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ObservationSchema, sortObservations, type Observation } from '@edgesteer/core';
import { renderReplays, Replayer, type LabelledReplay } from '@edgesteer/whatif';
import { CliError } from '../cli-error.js';
import { readPolicy } from '../read-policy.js';

interface ReplayCliOptions {
  policy: string[];
  tickMs: string;
  json?: boolean;
}

/** Reads a JSON-lines recording (`edgesteer timeline export`); a bad line is an error with its line number. */
export async function readRecording(file: string): Promise<Observation[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('E_REPLAY_READ', `cannot read ${file}: ${(err as Error).message}`);
  }
  const out: Observation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new CliError('E_REPLAY_INPUT', `${file}:${i + 1}: not JSON (${(err as Error).message}); expected one observation per line, as edgesteer timeline export writes`);
    }
    // The log adds who sent it and when it arrived; the observation is the rest.
    if (value && typeof value === 'object') {
      delete (value as Record<string, unknown>)['probe'];
      delete (value as Record<string, unknown>)['receivedAt'];
    }
    const parsed = ObservationSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError('E_REPLAY_INPUT', `${file}:${i + 1}: not an observation: ${issue.path.join('.') || '(line)'}: ${issue.message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

async function runReplay(file: string, opts: ReplayCliOptions): Promise<void> {
  const tickMs = Number(opts.tickMs);
  if (!Number.isInteger(tickMs) || tickMs <= 0) throw new CliError('E_USAGE', '--tick-ms must be a positive integer', 2);
  if (opts.policy.length === 0) throw new CliError('E_USAGE', 'pass at least one --policy FILE', 2);
  const policies = [];
  for (const p of opts.policy) policies.push({ file: p, policy: await readPolicy(p) });
  const observations = sortObservations(await readRecording(file));
  // Labels: file names, or whole paths where two names are the same.
  const names = policies.map((p) => basename(p.file));
  const results: LabelledReplay[] = policies.map((p, k) => {
    const r = new Replayer(p.policy, { tickMs });
    r.push(observations, { sorted: true });
    return { label: names.filter((n) => n === names[k]).length > 1 ? p.file : names[k]!, result: r.finish() };
  });
  if (opts.json) process.stdout.write(JSON.stringify({ recording: file, policies: results.map((r) => ({ policy: r.label, ...r.result })) }, null, 2) + '\n');
  else process.stdout.write(renderReplays(results));
}

/** Registers `edgesteer replay`. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("Replay recorded observations under one or more policies through core's decide(): every answer change, time to fail over and back, changes per minute, seconds a dead edge was answered.")
    .argument('<recording>', 'JSON lines of observations (edgesteer timeline export)')
    .option('--policy <file>', 'policy to replay under; repeat to compare side by side', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tick-ms <n>', "decision interval on the recording's clock (the controller's --tick-ms)", '1000')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExample:\n  edgesteer timeline export --since 2h > incident.jsonl\n  edgesteer replay incident.jsonl --policy config/policy.yaml --policy fall3.yaml\n\nOutput is deterministic: the same recording and policies give the same bytes.\n')
    .action(async (file: string, opts: ReplayCliOptions) => runReplay(file, opts));
}
