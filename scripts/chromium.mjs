// Where the dashboard's browser test finds Chromium, and where
// scripts/ensure-tools.mjs checks for it: one answer for both.
// CHROMIUM_PATH wins; otherwise the first of these on PATH (Debian's
// package installs `chromium` as /usr/bin/chromium).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

/** Absolute path of the Chromium to drive, or undefined when there is none. */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const name of CHROMIUM_NAMES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const path = r.status === 0 ? r.stdout.trim() : '';
    if (path && existsSync(path)) return path;
  }
  return undefined;
}
