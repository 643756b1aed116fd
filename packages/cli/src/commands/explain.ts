import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatProblem, loadPolicyFile, PolicyReadError, type Policy } from '@edgesteer/policy';
import { CoreError, decide, explain, formatExplanation, ingestWithStats, initialState, ObservationSchema, type DecisionState, type Observation } from '@edgesteer/core';
import { CliError } from '../cli-error.js';
import { explainClientAddress, explainClientFile, formatClientExplanation } from './client-explain.js';
import { fromStateFile, fromUrl, type LiveSource } from './explain-source.js';

interface ExplainOptions {
  policy: string;
  service?: string;
  region?: string;
  client?: string;
  clients?: string;
  observations?: string;
  at?: string;
  json?: boolean;
  from?: string;
  state?: string;
}

/** A problem in the observations file, with the line it starts on. */
interface ObservationProblem {
  line: number;
  message: string;
}

/**
 * Parses an observations file: a JSON array of observations, or JSON lines
 * (one observation per line; blank lines skipped). Every invalid item is
 * reported with its line number.
 */
export function parseObservations(text: string): { observations: Observation[]; problems: ObservationProblem[] } {
  const observations: Observation[] = [];
  const problems: ObservationProblem[] = [];
  const check = (value: unknown, line: number) => {
    const r = ObservationSchema.safeParse(value);
    if (r.success) observations.push(r.data);
    else for (const issue of r.error.issues) problems.push({ line, message: `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}` });
  };
  if (text.trimStart().startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (err) {
      return { observations, problems: [{ line: lineOfJsonError(text, err), message: `invalid JSON: ${(err as Error).message}` }] };
    }
    const lines = arrayItemLines(text);
    (items as unknown[]).forEach((item, i) => check(item, lines[i] ?? 1));
    return { observations, problems };
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push({ line: i + 1, message: `invalid JSON: ${(err as Error).message}` });
      return;
    }
    check(value, i + 1);
  });
  return { observations, problems };
}

/** Line (1-based) where each top-level element of a JSON array starts. */
function arrayItemLines(text: string): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (depth === 1 && expectItem && c !== ']') {
      out.push(line);
      expectItem = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectItem = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectItem = true;
  }
  return out;
}

function lineOfJsonError(text: string, err: unknown): number {
  const m = /position (\d+)/.exec((err as Error).message);
  if (!m) return 1;
  return text.slice(0, Number(m[1])).split('\n').length;
}

async function readPolicy(file: string): Promise<Policy> {
  let result;
  try {
    result = await loadPolicyFile(file);
  } catch (err) {
    if (err instanceof PolicyReadError) throw new CliError(err.code, err.message);
    throw err;
  }
  for (const p of result.problems) if (!result.ok || p.severity === 'error') process.stderr.write(formatProblem(p) + '\n');
  if (!result.ok) throw new CliError('E_POLICY_INVALID', `${file} is not a valid policy (run: edgesteer policy check ${file})`);
  return result.policy;
}

async function readObservations(file: string): Promise<Observation[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('E_OBSERVATIONS_READ', `cannot read observations file '${file}': ${(err as Error).message}`);
  }
  const { observations, problems } = parseObservations(text);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${file}:${p.line}: ${p.message}\n`);
    const lines = [...new Set(problems.map((p) => p.line))];
    throw new CliError('E_OBSERVATIONS_INVALID', `${file}: ${lines.length} invalid observation${lines.length === 1 ? '' : 's'} (line${lines.length === 1 ? '' : 's'} ${lines.join(', ')})`);
  }
  return observations;
}

/**
 * Replays the observations the way a controller would see them: grouped by
 * time, one decision cycle after each group, so verdict memory and
 * hysteresis are those a running controller would have at `at`.
 */
function replay(policy: Policy, observations: Observation[], at: number): { state: DecisionState; used: number; ignored: number; later: number } {
  const sorted = [...observations].sort((a, b) => a.at - b.at);
  let state = initialState();
  let used = 0;
  let ignored = 0;
  let later = 0;
  for (let i = 0; i < sorted.length; ) {
    const t = sorted[i]!.at;
    let j = i;
    while (j < sorted.length && sorted[j]!.at === t) j++;
    if (t > at) {
      later += sorted.length - i;
      break;
    }
    const r = ingestWithStats(state, policy, sorted.slice(i, j));
    used += r.accepted;
    ignored += r.ignored;
    state = decide(policy, r.state, t).state;
    i = j;
  }
  return { state, used, ignored, later };
}

async function runExplain(opts: ExplainOptions): Promise<void> {
  const modes = [opts.region, opts.client, opts.clients].filter((x) => x !== undefined).length;
  if (modes !== 1) throw new CliError('E_USAGE', 'give exactly one of --region <id> (a region\'s ranking), --client <ip> (where a client lands and why) or --clients <file>', 2);
  if (opts.region !== undefined && opts.service === undefined) throw new CliError('E_USAGE', '--region needs --service <name>', 2);
  if (opts.at !== undefined && !/^\d{1,15}$/.test(opts.at)) throw new CliError('E_USAGE', `--at must be Unix epoch milliseconds (e.g. ${Date.now()}), got '${opts.at}'`, 2);
  if ([opts.from, opts.state, opts.observations].filter((x) => x !== undefined).length > 1) throw new CliError('E_USAGE', 'use one of --from, --state and --observations', 2);
  const policy = await readPolicy(opts.policy);
  const svcId = opts.service === undefined ? undefined : (policy.services.find((s) => s.id === opts.service || s.name.replace(/\.$/, '') === opts.service!.replace(/\.$/, ''))?.id ?? opts.service);
  const live: LiveSource | undefined = opts.from ? await fromUrl(opts.from, policy, svcId ?? policy.services[0]?.id ?? '', opts.region ?? policy.regions.find((r) => r.default)?.id ?? policy.regions[0]!.id) : opts.state ? await fromStateFile(opts.state) : undefined;
  const observations = opts.observations ? await readObservations(opts.observations) : [];
  let used = 0;
  let ignored = 0;
  let later = 0;
  let state: DecisionState | undefined;
  let at: number;
  if (live?.kind === 'explanation') {
    if (opts.region === undefined) throw new CliError('E_USAGE', `--from ${opts.from} gives one region's explanation only; for --client/--clients point --from at a controller, or use --state`, 2);
    at = opts.at !== undefined ? Number(opts.at) : Date.now();
  } else if (live) {
    at = opts.at !== undefined ? Number(opts.at) : live.at;
    state = live.state;
  } else {
    at = opts.at !== undefined ? Number(opts.at) : observations.length > 0 ? observations.reduce((m, o) => Math.max(m, o.at), 0) : Date.now();
    const r = replay(policy, observations, at);
    if (r.ignored > 0) process.stderr.write(`edgesteer: ${r.ignored} observation(s) ignored: unknown region or edge, or not newer than the link's last one\n`);
    if (r.later > 0) process.stderr.write(`edgesteer: ${r.later} observation(s) after --at ${at} left out\n`);
    state = r.state;
    ({ used, ignored, later } = r);
  }
  const assumedUp = !live && observations.length === 0;
  const source = live ? live.describe : observations.length > 0 ? `replay of ${opts.observations} (${used} observations used)` : 'no live state: every edge is assumed up, as at start-up';

  if (opts.clients !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.clients, 'utf8');
    } catch (err) {
      throw new CliError('E_CLIENTS_READ', `cannot read clients file '${opts.clients}': ${(err as Error).message}`);
    }
    process.stdout.write(await explainClientFile(policy, opts.policy, text, opts.service, state!, at));
    return;
  }
  if (opts.client !== undefined) {
    const r = await explainClientAddress(policy, opts.policy, opts.client, opts.service, state!, at);
    if (opts.json) process.stdout.write(JSON.stringify({ ...r, source, assumedUp, ...(live ? {} : { observations: { used, ignored, later } }) }, null, 2) + '\n');
    else process.stdout.write(`from: ${source}\n\n` + formatClientExplanation(r));
    return;
  }
  let explanation;
  if (live?.kind === 'explanation') {
    explanation = live.explanation;
  } else {
    try {
      explanation = explain(policy, state!, opts.service!, opts.region!, at);
    } catch (err) {
      if (err instanceof CoreError) throw new CliError(err.code, err.message);
      throw err;
    }
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...explanation, source, assumedUp, ...(live ? {} : { observations: { used, ignored, later } }) }, null, 2) + '\n');
  } else {
    process.stdout.write(`from: ${source}\n\n`);
    process.stdout.write(formatExplanation(explanation));
    if (assumedUp) process.stdout.write('\n(no live state: every edge is assumed up, as at start-up. For the answer clients get now: --from http://CONTROLLER:8080, or --state .edgesteer-state/controller-state.json)\n');
  }
}

/** Registers `edgesteer explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('Show the ranking a service gets in a client region and why each edge is in or out; or, with --client, where a client address lands and why.')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--service <name>', 'service id or DNS name (with --client: default every service)')
    .option('--region <id>', 'client region id')
    .option('--client <ip>', 'client address: the client map\'s rule, region, ECS scope, distance to each region, and the answer now')
    .option('--clients <file>', 'many client addresses, one per line: a JSON line each (address, region, rule, scopePrefix, answer of --service, default the first service)')
    .option('--from <url>', 'live state of a running controller (GET /v1/state) or Worker (its /steer explanation)')
    .option('--state <file>', 'the controller\'s state file (e.g. .edgesteer-state/controller-state.json)')
    .option('--observations <file>', 'probe observations: a JSON array or JSON lines')
    .option('--at <epochms>', 'decision time, Unix epoch ms (default: the newest observation, else now)')
    .option('--json', 'print the explanation as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  edgesteer explain --policy config/policy.yaml --service cdn --region eu-west --from http://127.0.0.1:8080\n  edgesteer explain --policy config/policy.yaml --service cdn --region eu-west --state .edgesteer-state/controller-state.json\n  edgesteer explain --policy config/policy.yaml --service cdn --region eu-west\n  edgesteer explain --policy config/policy.yaml --client 81.2.69.142 --service cdn\n  edgesteer explain --policy config/policy.yaml --service cdn.example.com --region ap-south --observations obs.jsonl --json\n\nExit status: 0 ok, 1 invalid input (policy, observations, unknown service or region), 2 usage error.\n',
    )
    .action(async (opts: ExplainOptions) => runExplain(opts));
}
