/**
 * The edgesteer command loads only what the command that runs needs: a
 * resolve hook records every module the built CLI imports, and `--help` /
 * `policy check` must not pull in the DNS server, the AWS SDK, the Worker or
 * the controller.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = `${root}packages/cli/dist/main.js`;
// Synchronous resolve hook (Node >= 22.15): prints each resolved URL on stderr, prefixed.
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });",
)}`;

function loaded(args: string[]): { status: number | null; urls: string[] } {
  const r = spawnSync(process.execPath, ['--import', HOOK, main, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  const urls = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  return { status: r.status, urls };
}

const HEAVY = [/@aws-sdk\//, /packages\/dns-server\//, /packages\/control\//, /\/workers\/dist\//, /\/hono\//, /packages\/route53\//, /\/probes\/dist\//];

describe('lazy command loading', () => {
  it.each([
    [['--help'], ['commander']],
    [['policy', 'check', 'config/policy.yaml'], ['packages/policy/']],
  ])('edgesteer %j loads no other command’s packages', (args, expected) => {
    const r = loaded(args);
    expect(r.status).toBe(0);
    for (const want of expected) expect(r.urls.some((u) => u.includes(want)), want).toBe(true);
    expect(r.urls.filter((u) => HEAVY.some((h) => h.test(u)))).toEqual([]);
  });

  it('edgesteer dns --help loads the DNS server but not the AWS SDK or the controller', () => {
    const r = loaded(['dns', '--help']);
    expect(r.status).toBe(0);
    expect(r.urls.some((u) => u.includes('packages/dns-server/'))).toBe(true);
    expect(r.urls.filter((u) => /@aws-sdk\/|packages\/control\//.test(u))).toEqual([]);
  });

  it('an unknown command is a usage error that lists the commands', () => {
    const r = spawnSync(process.execPath, [main, 'nope'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'nope'/);
    expect(r.stderr).toMatch(/policy\s+Validate routing policy files/);
  });
});
