#!/usr/bin/env node
/**
 * The `edgesteer` command as npm links it. Committed (not built), so the
 * bin exists at `npm ci` time: npm links a bin only if its target exists
 * then, and `npx edgesteer` with no local bin would ask the public
 * registry for a package of that name. It loads the built CLI; on a fresh
 * clone without a build it builds once with the repo's own TypeScript
 * (one line on stderr), or says to run `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(pkg, 'dist', 'main.js');
const root = join(pkg, '..', '..');

if (!existsSync(main)) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const hint = `run \`npm run build\` in ${root}, then try again`;
  if (!existsSync(tsc) || !existsSync(join(root, 'tsconfig.json'))) {
    process.stderr.write(`edgesteer: E_NOT_BUILT: ${main} is missing and TypeScript is not installed here; ${hint}\n`);
    process.exit(1);
  }
  process.stderr.write(`edgesteer: first run: building the CLI with tsc -b (about a minute, once)\n`);
  // Compiler output goes to stderr so the command's own stdout stays clean.
  const r = spawnSync(process.execPath, [tsc, '-b', root], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(main)) {
    process.stderr.write(`edgesteer: E_NOT_BUILT: the build failed (exit ${r.status ?? r.signal}); ${hint}\n`);
    process.exit(1);
  }
}

await import(pathToFileURL(main).href);
