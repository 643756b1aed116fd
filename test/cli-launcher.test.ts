/**
 * The committed bin launcher (#14 row 10): `npx edgesteer` must resolve to
 * it right after `npm ci` (before any build) and never reach a registry;
 * without a build it builds once with the repo's tsc, or says to run
 * `npm run build`. The build-on-demand cases run the launcher inside a
 * scratch copy of the layout it expects, with a stand-in tsc, so they are
 * fast and leave the real dist/ alone.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LAUNCHER = fileURLToPath(new URL('../packages/cli/bin/edgesteer.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'es-launcher-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, npm_config_offline: 'true', ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** A repo layout holding a copy of the launcher, without dist/; `tsc` is a stand-in script or absent. */
function layout(name: string, tsc?: string): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'packages', 'cli', 'bin'), { recursive: true });
  copyFileSync(LAUNCHER, join(root, 'packages', 'cli', 'bin', 'edgesteer.mjs'));
  writeFileSync(join(root, 'tsconfig.json'), '{}');
  if (tsc !== undefined) {
    mkdirSync(join(root, 'node_modules', 'typescript', 'bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), tsc);
  }
  return join(root, 'packages', 'cli', 'bin', 'edgesteer.mjs');
}

describe('bin launcher', () => {
  it('is what package.json names and what npm linked as node_modules/.bin/edgesteer', async () => {
    const pkg = (await import('../packages/cli/package.json', { with: { type: 'json' } })).default as { bin: Record<string, string> };
    expect(pkg.bin['edgesteer']).toBe('./bin/edgesteer.mjs');
    const link = join(ROOT, 'node_modules', '.bin', 'edgesteer');
    expect(existsSync(link), 'npm ci links the committed launcher').toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(LAUNCHER));
  });

  it('`npx --no-install edgesteer --help` runs the local CLI', async () => {
    const r = await run('npx', ['--no-install', 'edgesteer', '--help']);
    expect(r.stderr).not.toMatch(/E_NOT_BUILT|npm error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: edgesteer /m);
  });

  it('builds on first run with the repo’s tsc, printing one line, then runs the CLI', async () => {
    // Stand-in tsc: "builds" dist/main.js, which prints its argv.
    const launcher = layout(
      'buildable',
      `const fs = require('node:fs'); const path = require('node:path');
       const dist = path.join(process.argv[3], 'packages', 'cli', 'dist');
       fs.mkdirSync(dist, { recursive: true });
       fs.writeFileSync(path.join(dist, 'main.js'), "process.stdout.write('cli ran: ' + process.argv.slice(2).join(' ') + '\\\\n');");`,
    );
    const first = await run(process.execPath, [launcher, '--help']);
    expect(first).toMatchObject({ code: 0, stdout: 'cli ran: --help\n' });
    expect(first.stderr.trim().split('\n')).toEqual(['edgesteer: first run: building the CLI with tsc -b (about a minute, once)']);
    const again = await run(process.execPath, [launcher, 'policy']);
    expect(again).toMatchObject({ code: 0, stdout: 'cli ran: policy\n', stderr: '' });
  });

  it.each([
    { name: 'TypeScript is not installed', tsc: undefined, err: /E_NOT_BUILT: .*dist\/main\.js is missing and TypeScript is not installed here; run `npm run build`/ },
    { name: 'the build fails', tsc: 'process.exit(2)', err: /E_NOT_BUILT: the build failed \(exit 2\); run `npm run build`/ },
  ])('says to run `npm run build` when $name', async ({ tsc, err }) => {
    const r = await run(process.execPath, [layout(`broken-${tsc === undefined ? 'none' : 'fails'}`, tsc), '--help']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(err);
  });
});
