/**
 * `edgesteer policy` end to end: the built CLI as an operator runs it, with
 * real files, checking exit codes, stdout/stderr split and output format.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'packages/cli/dist/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'edgesteer-policy-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  // process.execPath is the project's Node 24 under vitest.
  const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const valid = readFileSync(join(root, 'config/policy.yaml'), 'utf8');

describe('edgesteer policy check', () => {
  it('accepts the shipped policies: exit 0, one OK line per file on stdout, nothing on stderr', () => {
    const r = cli('policy', 'check', 'config/policy.yaml', 'config/examples/failover.yaml', 'config/examples/weighted.yaml');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'OK config/policy.yaml: 1 zone, 3 regions, 3 edges, 2 services',
      'OK config/examples/failover.yaml: 1 zone, 2 regions, 2 edges, 1 service',
      'OK config/examples/weighted.yaml: 1 zone, 2 regions, 3 edges, 1 service',
    ]);
  });

  it('rejects an invalid policy: exit 1, every problem as file:line:col on stderr', () => {
    const bad = valid
      .replace('region: eu-west', 'region: eu-wset')
      .replace('edges: [use1, euw1, aps1]', 'edges: [use1, euw1, aps2]')
      .replace('      intervalMs: 1000 # probe every second', '      intervall: 1000');
    const file = write('bad.yaml', bad);
    const lines = bad.split('\n');
    /** line:col of `token` on the first line containing `lineText` (default: the token itself). */
    const pos = (token: string, lineText = token) => {
      const i = lines.findIndex((l) => l.includes(lineText));
      return `${i + 1}:${lines[i]!.indexOf(token) + 1}`;
    };
    const r = cli('policy', 'check', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const err = r.stderr.trim().split('\n');
    expect(err).toEqual([
      `${file}:${pos('intervall')} schema-unknown-key unknown key 'intervall' in edge 'use1' check (did you mean 'intervalMs'?) (hint: allowed keys here: type, address, port, path, host, sni, expectStatus, bodyContains, intervalMs, timeoutMs, rise, fall, insecureSkipVerify, followRedirects, route53)`,
      `${file}:${pos('eu-wset')} unknown-region edge 'euw1' is in unknown region 'eu-wset' (did you mean 'eu-west'?) (hint: define it under regions or use one of: us-east, eu-west, ap-south)`,
      `${file}:${pos('aps2')} unknown-edge service 'cdn' uses unknown edge 'aps2' (did you mean 'aps1'?) (hint: define it under edges or use one of: use1, euw1, aps1)`,
      // aps1 is still in fallback but no longer in edges: reported, but only as a warning.
      `${file}:${pos('aps1', 'fallback: [use1, euw1, aps1]')} fallback-not-in-service warning: fallback edge 'aps1' is not one of service 'cdn' edges (hint: fine for a last-resort edge that serves cdn.example.com; otherwise add it to edges or remove it from fallback)`,
      `${file}: invalid: 3 errors, 1 warning`,
      `edgesteer: E_POLICY_INVALID: 1 of 1 policy file invalid: ${file}`,
    ]);
  });

  it('exits 0 with warnings, printing them, and exits 1 with --strict', () => {
    const file = write('warn.yaml', valid.replace('quorum: 2 #', 'quorum: 5 #'));
    const r = cli('policy', 'check', file);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ quorum-exceeds-regions warning: `));
    expect(r.stdout).toBe(`OK ${file}: 1 zone, 3 regions, 3 edges, 2 services, 1 warning\n`);
    const strict = cli('policy', 'check', '--strict', file);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('E_POLICY_INVALID: 1 of 1 policy file invalid (warnings count as errors with --strict)');
  });

  it('checks .json files as JSON', () => {
    const r1 = cli('policy', 'schema');
    expect(r1.code).toBe(0);
    const json = write('p.json', '{\n  "version": 1,\n  "owner": "x",\n}\n');
    const r = cli('policy', 'check', json);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`:4:1 json-syntax not strict JSON`));
  });

  it('reports a missing file as E_POLICY_READ, exit 1, and still checks the others', () => {
    const r = cli('policy', 'check', 'config/nope.yaml', 'config/policy.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('OK config/policy.yaml: 1 zone, 3 regions, 3 edges, 2 services\n');
    expect(r.stderr).toBe("edgesteer: E_POLICY_READ: cannot read policy file 'config/nope.yaml': no such file (the example policy is config/policy.yaml)\n");
  });

  it('--json prints one machine-readable report on stdout', () => {
    const bad = write('bad2.yaml', valid.replace('clientCidrs: [10.2.0.0/16', 'clientCidrs: [10.2.0.1/16'));
    const r = cli('policy', 'check', '--json', 'config/policy.yaml', bad);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; files: { file: string; ok: boolean; errors: number; warnings: number; counts?: object; problems: { rule: string; line: number; col: number; severity: string }[] }[] };
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => [f.file, f.ok, f.errors, f.warnings])).toEqual([
      ['config/policy.yaml', true, 0, 0],
      [bad, false, 1, 0],
    ]);
    expect(report.files[0]!.counts).toEqual({ zones: 1, regions: 3, edges: 3, services: 2 });
    const line = valid.split('\n').findIndex((l) => l.includes('10.2.0.0/16')) + 1;
    expect(report.files[1]!.problems).toMatchObject([{ rule: 'cidr-host-bits', severity: 'error', line, col: valid.split('\n')[line - 1]!.indexOf('10.2.0.0/16') + 1 }]);
    expect(r.stderr).toBe(`edgesteer: E_POLICY_INVALID: 1 of 2 policy files invalid: ${bad}\n`);
  });

  it.each([
    ['no file argument', ['policy', 'check'], /missing required argument 'file'/],
    ['an unknown option', ['policy', 'check', '--bogus', 'config/policy.yaml'], /unknown option '--bogus'/],
  ])('exits 2 on a usage error: %s', (_what, args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--help describes the command and exits 0', () => {
    const r = cli('policy', 'check', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: edgesteer policy check [options] <file...>');
    expect(r.stdout).toContain('Exit status: 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.');
    const top = cli('policy', '--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/check \[options\] <file\.\.\.>/);
    expect(top.stdout).toMatch(/schema/);
  });
});

describe('edgesteer policy schema', () => {
  it('prints exactly the committed config/policy.schema.json', () => {
    const r = cli('policy', 'schema');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout, 'config/policy.schema.json is stale: run npm run schema').toBe(readFileSync(join(root, 'config/policy.schema.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
  });
});
