import type { Command } from 'commander';
import { formatProblem, loadPolicyFile, policyJsonSchemaText, PolicyReadError, type Policy, type Problem } from '@edgesteer/policy';
import { CliError } from '../cli-error.js';
import { registerPolicyPlan } from './policy-plan-command.js';

/** What `policy check` found in one file (also the `--json` shape). */
interface FileReport {
  file: string;
  ok: boolean;
  errors: number;
  warnings: number;
  problems: Problem[];
  /** Present when the policy is valid. */
  counts?: { zones: number; regions: number; edges: number; services: number };
  /** Present when the file could not be read. */
  readError?: { code: string; message: string };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function counts(p: Policy): NonNullable<FileReport['counts']> {
  return { zones: p.zones.length, regions: p.regions.length, edges: p.edges.length, services: p.services.length };
}

async function checkFile(file: string): Promise<FileReport> {
  try {
    const r = await loadPolicyFile(file);
    const errors = r.problems.filter((p) => p.severity === 'error').length;
    const report: FileReport = { file, ok: r.ok, errors, warnings: r.problems.length - errors, problems: r.problems };
    if (r.ok) report.counts = counts(r.policy);
    return report;
  } catch (err) {
    if (!(err instanceof PolicyReadError)) throw err;
    return { file, ok: false, errors: 1, warnings: 0, problems: [], readError: { code: err.code, message: err.message } };
  }
}

function printHuman(reports: readonly FileReport[]): void {
  for (const r of reports) {
    for (const p of r.problems) process.stderr.write(formatProblem(p) + '\n');
    if (r.readError) continue; // said once, by the final CliError
    if (r.ok && r.counts) {
      const c = r.counts;
      process.stdout.write(
        `OK ${r.file}: ${plural(c.zones, 'zone')}, ${plural(c.regions, 'region')}, ${plural(c.edges, 'edge')}, ${plural(c.services, 'service')}` +
          (r.warnings ? `, ${plural(r.warnings, 'warning')}` : '') + '\n',
      );
    } else {
      process.stderr.write(`${r.file}: invalid: ${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}\n`);
    }
  }
}

/**
 * Validates policy files. Exit 0 when all are valid (warnings allowed unless
 * --strict), 1 when one is invalid or unreadable; usage errors exit 2 via
 * commander.
 */
async function runCheck(files: string[], opts: { json?: boolean; strict?: boolean }): Promise<void> {
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await checkFile(file));
  if (opts.strict) for (const r of reports) if (r.ok && r.warnings > 0) r.ok = false;

  if (opts.json) process.stdout.write(JSON.stringify({ ok: reports.every((r) => r.ok), files: reports }, null, 2) + '\n');
  else printHuman(reports);

  const unreadable = reports.filter((r) => r.readError);
  if (unreadable.length > 0) throw new CliError('E_POLICY_READ', unreadable.map((r) => r.readError!.message).join('; '));
  const invalid = reports.filter((r) => !r.ok);
  if (invalid.length > 0) {
    const why = opts.strict && invalid.every((r) => r.errors === 0) ? ' (warnings count as errors with --strict)' : '';
    throw new CliError('E_POLICY_INVALID', `${invalid.length} of ${plural(reports.length, 'policy file')} invalid${why}: ${invalid.map((r) => r.file).join(', ')}`);
  }
}

/** Registers `edgesteer policy check|schema`. */
export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('Validate routing policy files and print their JSON Schema.')
    .addHelpText('after', '\nExamples:\n  edgesteer policy check config/policy.yaml\n  edgesteer policy check --json config/examples/*.yaml\n  edgesteer policy schema > config/policy.schema.json\n');

  policy
    .command('check')
    .description('Validate policy files (YAML, or JSON by .json extension); problems go to stderr as file:line:col rule-id message.')
    .argument('<file...>', 'policy files to check')
    .option('--json', 'print a JSON report on stdout instead of text')
    .option('--strict', 'treat warnings as errors (exit 1)')
    .addHelpText('after', '\nExit status: 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.\nRule ids: packages/policy/README.md\n')
    .action(async (files: string[], opts: { json?: boolean; strict?: boolean }) => runCheck(files, opts));

  registerPolicyPlan(policy);

  policy
    .command('schema')
    .description('Print the JSON Schema of the policy file (draft 2020-12), as committed in config/policy.schema.json.')
    .action(() => {
      process.stdout.write(policyJsonSchemaText());
    });
}
