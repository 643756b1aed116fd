/**
 * `edgesteer dns` as an operator runs it: help, start-up errors, the ready
 * line, reloads (SIGHUP and file change, valid and invalid), worker
 * processes, and following a controller that goes away.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tableForPolicy, tableHash } from '@edgesteer/core';
import { loadPolicyFile } from '@edgesteer/policy';
import { dig } from './support/dns-dig.js';
import { startFakeController } from './support/dns-fake-controller.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';

const run = promisify(execFile);
const CLI = new URL('../packages/cli/dist/main.js', import.meta.url).pathname;
const FIXTURE = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'edgesteer-dns-cli-'));
const running: DnsProcess[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function policyCopy(name: string): string {
  const file = join(dir, name);
  copyFileSync(FIXTURE, file);
  return file;
}
/** The fixture with cdn's TTL changed (line `ttl: 30` of the cdn service). */
function setCdnTtl(file: string, ttl: number | string): void {
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(name: cdn\.example\.com\n(?:.*\n){3}\s+ttl: )\S+/, `$1${ttl}`));
}
const cdnTtl = async (port: number) => Number((await dig('127.0.0.1', port, ['cdn.example.com', '+norec'])).answer[0]?.split(' ')[1]);

describe('edgesteer dns', () => {
  it('--help describes the options', async () => {
    const r = await cli(['dns', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--policy <file>', '--listen <host:port>', '--controller <url>', '--workers <n>', '--no-watch']) expect(r.stdout).toContain(opt);
  });

  it.each([
    ['an invalid policy exits 1 with every problem at file:line:col', (f: string) => (setCdnTtl(f, 0), ['--policy', f, '--listen', '127.0.0.1:0']), 1, /E_POLICY_INVALID: policy .*bad-start\.yaml is invalid[\s\S]*bad-start\.yaml:\d+:\d+ \S+ .*ttl/],
    ['a missing policy file exits 1', () => ['--policy', join(dir, 'nope.yaml')], 1, /E_POLICY_READ: cannot read policy file .*nope\.yaml.*no such file/],
    ['a bad --listen exits 2', (f: string) => ['--policy', f, '--listen', 'localhost'], 2, /E_USAGE: --listen "localhost" is not host:port/],
    ['a bad --workers exits 2', (f: string) => ['--policy', f, '--workers', '0'], 2, /--workers must be an integer from 1 to 64/],
  ])('%s', async (_what, argsFor, code, stderr) => {
    const r = await cli(['dns', ...argsFor(policyCopy('bad-start.yaml'))]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
  });

  it('prints a ready line, reloads on SIGHUP, rejects an invalid policy and keeps serving', async () => {
    const file = policyCopy('hup.yaml');
    const dns = await startDnsProcess(['--policy', file, '--listen', '127.0.0.1:0', '--no-watch']);
    running.push(dns);
    const ready = await dns.waitForLog((l) => l.msg === 'dns server ready');
    expect(ready).toMatchObject({ listen: `127.0.0.1:${dns.port}`, workers: 1, source: 'local', component: 'dns', event: 'dns_ready' });
    expect(await cdnTtl(dns.port)).toBe(30);

    setCdnTtl(file, 77);
    dns.proc.kill('SIGHUP');
    await dns.waitForLog((l) => l.msg === 'policy reloaded' && l['reason'] === 'SIGHUP');
    expect(await cdnTtl(dns.port)).toBe(77);

    setCdnTtl(file, 'seventy');
    dns.proc.kill('SIGHUP');
    await dns.waitForLog((l) => l.msg === 'policy rejected; still serving the previous policy');
    expect(dns.logs.some((l) => l.level === 50 && /hup\.yaml:\d+:\d+ \S+ /.test(l.msg))).toBe(true);
    expect(await cdnTtl(dns.port)).toBe(77);

    expect(await dns.stop('SIGTERM')).toBe(0);
    expect(dns.logs.at(-1)?.msg).toBe('dns server stopped');
  });

  it('reloads when the policy file changes', async () => {
    const file = policyCopy('watch.yaml');
    const dns = await startDnsProcess(['--policy', file, '--listen', '127.0.0.1:0']);
    running.push(dns);
    setCdnTtl(file, 55);
    await dns.waitForLog((l) => l.msg === 'policy reloaded' && l['reason'] === 'file change');
    expect(await cdnTtl(dns.port)).toBe(55);
  });

  it('--workers 2: two processes answer on one port and all of them reload', async () => {
    const file = policyCopy('workers.yaml');
    const dns = await startDnsProcess(['--policy', file, '--listen', '127.0.0.1:0', '--workers', '2', '--no-watch']);
    running.push(dns);
    const workers = dns.logs.filter((l) => l.msg === 'dns worker listening');
    expect(new Set(workers.map((l) => l['pid'])).size).toBe(2);
    expect(workers.every((l) => l['listen'] === `127.0.0.1:${dns.port}`)).toBe(true);
    // dig uses a new source port per run: SO_REUSEPORT spreads them over both workers.
    const ttls = await Promise.all(Array.from({ length: 12 }, () => cdnTtl(dns.port)));
    expect(ttls).toEqual(new Array(12).fill(30));
    const tcp = await dig('127.0.0.1', dns.port, ['big.example.com', '+tcp', '+norec']);
    expect(tcp.answer).toHaveLength(40);

    setCdnTtl(file, 66);
    dns.proc.kill('SIGHUP');
    await dns.waitForLog((l) => l.msg === 'policy reloaded');
    // The new state travels to the workers over IPC: wait until every answer shows it.
    const deadline = Date.now() + 10_000;
    let after: number[] = [];
    do {
      after = await Promise.all(Array.from({ length: 12 }, () => cdnTtl(dns.port)));
    } while (after.some((t) => t !== 66) && Date.now() < deadline);
    expect(after).toEqual(new Array(12).fill(66));

    expect(await dns.stop('SIGTERM')).toBe(0);
    for (const w of workers) expect(() => process.kill(w['pid'] as number, 0)).toThrow();
  });

  it('follows the controller and keeps the last table when it goes away', async () => {
    const loaded = await loadPolicyFile(FIXTURE);
    if (!loaded.ok) throw new Error('fixture invalid');
    const base = structuredClone(tableForPolicy(loaded.policy, Date.now()));
    base.services['cdn']!.regions['eu-west'] = { answer: ['aps1'], ranked: ['aps1'], mode: 'ranked' };
    const t = { ...base, version: 500 };
    const controller = await startFakeController({ ...t, hash: tableHash(t) });
    const dns = await startDnsProcess(['--policy', FIXTURE, '--listen', '127.0.0.1:0', '--controller', controller.url]);
    running.push(dns);
    await dns.waitForLog((l) => l.msg === 'routing table changed' && l['tableVersion'] === 500);
    const answer = async () => (await dig('127.0.0.1', dns.port, ['cdn.example.com', '+subnet=10.2.0.0/16', '+norec'])).answer;
    expect(await answer()).toEqual(['cdn.example.com. 30 IN A 127.0.0.13']);

    await controller.close();
    await dns.waitForLog((l) => l['code'] === 'E_DNS_CONTROLLER');
    expect(await answer()).toEqual(['cdn.example.com. 30 IN A 127.0.0.13']);
    const soa = await dig('127.0.0.1', dns.port, ['example.com', 'SOA', '+norec']);
    expect(soa.answer[0]).toContain(' 500 3600 ');
  });
});
