/**
 * How the bench reaches edgesteer: the built CLI (packages/cli/dist/main.js)
 * run with the project's Node 24. A command counts as available only when
 * its --help lists every flag the bench needs, so a placeholder command is
 * reported as "not available" instead of being measured.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = ROOT + 'packages/cli/dist/main.js';
/** The Node running the bench (npm puts Node 24 from node_modules/.bin first). */
export const NODE = process.execPath;

const helpCache = new Map();

/**
 * `edgesteer <command> --help` output, or '' with the reason in `lastError`.
 * Tried up to three times: on a busy machine, or while another engineer's
 * `tsc -b` is rewriting dist/, one attempt can fail for reasons that are
 * not "the command does not exist".
 */
export function cliHelp(command) {
  if (helpCache.has(command)) return helpCache.get(command);
  let out = '';
  for (let attempt = 0; attempt < 3 && !out && existsSync(CLI); attempt++) {
    const r = spawnSync(NODE, [CLI, ...command.split(' '), '--help'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) out = (r.stdout ?? '') + (r.stderr ?? '');
    else lastError.set(command, ((r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').find((l) => /error|Error|unknown/.test(l)) ?? `exit ${r.status}`).slice(0, 200));
    if (!out) spawnSync('sleep', ['1']);
  }
  if (out) helpCache.set(command, out);
  return out;
}

const lastError = new Map();

/** { ok: true } when `edgesteer <command> --help` lists every flag in `flags`. */
export function cliSupports(command, flags) {
  if (!existsSync(CLI)) return { ok: false, reason: `${CLI} not built (run npx tsc -b)` };
  const help = cliHelp(command);
  if (!help) {
    const why = lastError.get(command) ?? '';
    return { ok: false, reason: /unknown command/i.test(why) || !why ? `\`edgesteer ${command}\` is not implemented yet` : `\`edgesteer ${command} --help\` failed: ${why}` };
  }
  const missing = flags.filter((f) => !help.includes(f));
  if (missing.length) return { ok: false, reason: `\`edgesteer ${command}\` has no ${missing.join(', ')} yet` };
  return { ok: true };
}
