import { formatProblem, loadPolicyFile, PolicyReadError, type Policy } from '@edgesteer/policy';
import { CliError } from './cli-error.js';

/**
 * Loads a policy file for a subcommand: every problem goes to stderr as
 * `file:line:col` lines, then E_POLICY_INVALID; a file that cannot be read
 * keeps the loader's code (E_POLICY_READ, ...).
 */
export async function readPolicy(file: string): Promise<Policy> {
  try {
    const r = await loadPolicyFile(file);
    if (!r.ok) {
      for (const p of r.problems) process.stderr.write(formatProblem(p) + '\n');
      throw new CliError('E_POLICY_INVALID', `${file} is invalid; fix the problems above (edgesteer policy check ${file})`);
    }
    return r.policy;
  } catch (err) {
    if (err instanceof PolicyReadError) throw new CliError(err.code, err.message);
    throw err;
  }
}
