/**
 * The Worker on Node: `edgesteer worker` and startWorkerNode() queried with
 * the real `dig +http-plain` / `+http-plain-get` (HTTP/2 cleartext) and with
 * HTTP/1.1 on the same port; policy reloads; CLI start-up errors.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tableForPolicy } from '@edgesteer/core';
import { parsePolicy } from '@edgesteer/policy';
import { startWorkerNode } from '@edgesteer/worker/node';
import { TEST_POLICY_YAML, TEST_PROBE_KEYS, TEST_PROBE_KEYS_TEXT, testPolicy } from '@edgesteer/worker/testing';
import { dig } from './support/dns-dig.js';

const run = promisify(execFile);
const CLI = new URL('../packages/cli/dist/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'edgesteer-worker-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const policy = testPolicy();
const assumeUp = tableForPolicy(policy, 0);
const cdnRecords = (region: string, type: 'A' | 'AAAA' = 'A', ttl = 30) =>
  assumeUp.services['cdn']!.regions[region]!.answer.flatMap((id) => {
    const e = policy.edges.find((x) => x.id === id)!;
    return (type === 'A' ? e.ipv4 : e.ipv6).map((a) => `cdn.example.com. ${ttl} IN ${type} ${a}`);
  });

describe('startWorkerNode: dig over h2c and HTTP/1.1 on one port', () => {
  it('answers DoH POST and GET per client subnet and per source address', async () => {
    const w = await startWorkerNode({ policy, keys: TEST_PROBE_KEYS, port: 0 });
    try {
      for (const [mode, transport] of [['+http-plain', '(HTTP)'], ['+http-plain-get', '(HTTP-GET)']] as const) {
        for (const [subnet, region] of [['10.1.0.0/24', 'us-east'], ['10.2.77.0/24', 'eu-west'], ['10.3.1.0/24', 'ap-south']] as const) {
          const r = await dig('127.0.0.1', w.port, [mode, `+subnet=${subnet}`, 'cdn.example.com']);
          expect(r.raw).toContain(transport);
          expect(r.answer).toEqual(cdnRecords(region));
          // Scope: the client map's range around the /24: at most the region's /16 (wider where the default region next door answers alike).
          const scope = Number(r.clientSubnet?.slice(subnet.length + 1));
          expect(r.clientSubnet?.startsWith(`${subnet}/`)).toBe(true);
          expect(scope).toBeGreaterThan(0);
          expect(scope).toBeLessThanOrEqual(16);
        }
      }
      // No ECS: dig connects from 127.0.0.1, which no region claims → the default region.
      const plain = await dig('127.0.0.1', w.port, ['+http-plain-get', 'cdn.example.com', 'AAAA']);
      expect(plain.answer).toEqual(cdnRecords('us-east', 'AAAA'));
      const nx = await dig('127.0.0.1', w.port, ['+http-plain', 'missing.example.com']);
      expect(nx.status).toBe('NXDOMAIN');
      expect(nx.authority[0]).toMatch(/^example\.com\. 60 IN SOA ns1\.example\.com\. hostmaster\.example\.com\. /);

      // The same port speaks HTTP/1.1 to everything else.
      const res = await fetch(`${w.url}/resolve?name=cdn.example.com&type=A&edns_client_subnet=10.3.0.0/24`);
      const body = (await res.json()) as { Answer: Array<{ data: string }> };
      expect(body.Answer.map((a) => a.data)).toEqual(cdnRecords('ap-south').map((l) => l.split(' ').pop()));
      const steer = await fetch(`${w.url}/steer/cdn/x?y=1`, { redirect: 'manual' });
      expect(steer.status).toBe(302);
      expect(steer.headers.get('location')).toBe('http://127.0.0.11:18080/x?y=1');
    } finally {
      await w.close();
    }
  });

  it('reloads a changed policy file, and keeps serving the old one when the new one is invalid', async () => {
    const file = join(dir, 'reload.yaml');
    writeFileSync(file, TEST_POLICY_YAML);
    const w = await startWorkerNode({ policyFile: file, port: 0 });
    try {
      const ttl = async () => Number((await dig('127.0.0.1', w.port, ['+http-plain-get', '+subnet=10.2.0.0/24', 'cdn.example.com'])).answer[0]?.split(' ')[1]);
      expect(await ttl()).toBe(30);
      // cdn is the only service with `answers: 1` followed by `ttl: 30`.
      const withTtl = (t: string) => TEST_POLICY_YAML.replace('answers: 1\n    ttl: 30', `answers: 1\n    ttl: ${t}`);
      expect(withTtl('45')).not.toBe(TEST_POLICY_YAML);
      expect(parsePolicy(withTtl('45'), 'x.yaml').ok).toBe(true);
      writeFileSync(file, withTtl('45'));
      expect(await w.reloadPolicy()).toEqual({ result: 'applied' });
      expect(await ttl()).toBe(45);
      writeFileSync(file, withTtl('0'));
      const bad = await w.reloadPolicy();
      expect(bad.result).toBe('invalid');
      expect(await ttl()).toBe(45);
      const health = (await (await fetch(`${w.url}/healthz`)).json()) as { policy: { lastError?: string } };
      expect(health.policy.lastError).toMatch(/ttl/);
      // The bad edit reverted to the text being served: /healthz describes what runs now, no stale error.
      writeFileSync(file, withTtl('45'));
      expect(await w.reloadPolicy()).toEqual({ result: 'unchanged' });
      const restored = (await (await fetch(`${w.url}/healthz`)).json()) as { policy: { lastError?: string } };
      expect(restored.policy.lastError).toBeUndefined();
    } finally {
      await w.close();
    }
  });
});

describe('edgesteer worker (CLI)', () => {
  async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 15_000, env: { ...process.env, ...env } });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('--help lists the options and endpoints', async () => {
    const r = await cli(['worker', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--policy <file>', '--listen <host:port>', '--key-file <file>', '/dns-query', '/steer/<service>']) expect(r.stdout).toContain(s);
  });

  const policyFile = join(dir, 'cli.yaml');
  writeFileSync(policyFile, TEST_POLICY_YAML);
  const failures: Array<[string, string[], Record<string, string>, number, RegExp]> = [
    ['a missing policy exits 1', ['--policy', join(dir, 'nope.yaml')], {}, 1, /E_POLICY_READ: .*nope\.yaml/],
    ['an invalid policy exits 1 with file:line:col', ['--policy', join(dir, 'bad.yaml')], {}, 1, /E_POLICY_INVALID[\s\S]*bad\.yaml:\d+:\d+/],
    ['a bad --listen exits 2', ['--policy', policyFile, '--listen', 'localhost'], {}, 2, /E_LISTEN_INVALID/],
    ['a short probe secret exits 1', ['--policy', policyFile, '--listen', '127.0.0.1:0'], { EDGESTEER_PROBE_KEYS: 'p us-east short' }, 1, /E_KEYS_INVALID: .*shorter than 16/],
  ];
  writeFileSync(join(dir, 'bad.yaml'), TEST_POLICY_YAML.replace('quorum: 2', 'quorum: 0'));
  for (const [what, args, env, code, pattern] of failures) {
    it(what, async () => {
      const r = await cli(['worker', ...args], env);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(pattern);
    });
  }

  it.each([0o644, 0o640])('refuses a key file with mode %o (group or other bits)', async (mode) => {
    const keyFile = join(dir, `keys-open-${mode.toString(8)}`);
    writeFileSync(keyFile, TEST_PROBE_KEYS_TEXT.split(',').join('\n'), { mode });
    chmodSync(keyFile, mode);
    const r = await cli(['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`E_KEYS_PERMS: key file .*keys-open-${mode.toString(8)} is accessible by group or other users \\(mode ${mode.toString(8)}\\); run \`chmod 600`));
  });

  it('serves until SIGTERM and exits 0', async () => {
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, TEST_PROBE_KEYS_TEXT.split(',').join('\n'), { mode: 0o600 });
    const child: ChildProcess = spawn(process.execPath, [CLI, 'worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 10_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"event":"worker_ready"[^\n]*"url":"([^"]+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (c) => reject(new Error(`exited ${c}:\n${out}`)));
      });
      const port = Number(new URL(url).port);
      const r = await dig('127.0.0.1', port, ['+http-plain', '+subnet=10.3.5.0/24', 'cdn.example.com']);
      expect(r.answer).toEqual(cdnRecords('ap-south'));
      const health = (await (await fetch(`${url}/healthz`)).json()) as { policy: { source: string } };
      expect(health.policy.source).toBe(policyFile);
      const exited = new Promise<number | null>((r2) => child.once('exit', (c) => r2(c)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(readFileSync(keyFile, 'utf8')).toContain('eu-west-probe eu-west ');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
