/**
 * `edgesteer probe` end to end through the built CLI (packages/cli/dist):
 * --once --json against real edges, a signed-report receiver and the local
 * CloudWatch endpoint; exit codes for sink failures and bad input.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationSchema } from '@edgesteer/core';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { handlers, refusedPort, startHttpEdge, startTcpEdge, type EdgeServer } from './support/probe-edges.js';
import { startReportReceiver, type ReportReceiver } from './support/report-receiver.js';

const CLI = resolve(import.meta.dirname, '../packages/cli/dist/main.js');
const KEY = 'cli-probe-key-0123456789abcdef';
const run = promisify(execFile);

let dir: string;
let up: EdgeServer, err500: EdgeServer, tcp: EdgeServer;
let receiver: ReportReceiver;
let cw: CloudWatchEndpoint;
let policyFile: string;
let keyFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgesteer-probe-cli-'));
  up = await startHttpEdge('127.0.0.21', handlers.ok());
  err500 = await startHttpEdge('127.0.0.22', handlers.status(500));
  tcp = await startTcpEdge('127.0.0.27', (s) => s.on('data', () => {}));
  receiver = await startReportReceiver('127.0.0.27', { 'probe-eu-1': KEY });
  cw = await startCloudWatchEndpoint({ host: '127.0.0.26' });
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    `version: 1
owner: probe-cli-test
zones:
  - name: example.com
    soa: { mname: ns1.example.com, rname: hostmaster.example.com }
    nameservers: [{ name: ns1.example.com, ipv4: [127.0.0.53] }]
regions:
  - { id: eu, aws: eu-west-1, default: true, clientCidrs: [10.1.0.0/16] }
  - { id: us, aws: us-east-1, clientCidrs: [10.2.0.0/16] }
edges:
  - { id: edge-up, region: eu, ipv4: [127.0.0.21], check: { type: http, port: ${up.port}, path: /healthz } }
  - { id: edge-500, region: us, ipv4: [127.0.0.22], check: { type: http, port: ${err500.port} } }
  - { id: edge-tcp, region: us, ipv4: [127.0.0.27], check: { type: tcp, port: ${tcp.port} } }
services:
  - { id: cdn, name: cdn.example.com, edges: [edge-up, edge-500, edge-tcp] }
`,
  );
  keyFile = join(dir, 'probe.keys');
  writeFileSync(keyFile, `# test key\nprobe-eu-1 eu ${KEY}\n`);
  chmodSync(keyFile, 0o600);
});

afterAll(async () => {
  await Promise.all([up.close(), err500.close(), tcp.close(), receiver.close(), cw.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDCLITEST',
  AWS_SECRET_ACCESS_KEY: 'cli-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: '',
  EDGESTEER_PROBE_KEY: '',
};

async function probe(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, 'probe', ...args], { env: { ...env, ...extraEnv }, timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('edgesteer probe --once --json', () => {
  it('prints one valid observation per edge, delivers a signed report and CloudWatch metrics, exits 0', async () => {
    const r = await probe(['--policy', policyFile, '--region', 'eu', '--once', '--json', '--report-to', receiver.url, '--key-file', keyFile, '--probe-id', 'probe-eu-1', '--cloudwatch', '--cloudwatch-endpoint', cw.url]);
    expect(r.stderr).not.toMatch(/edgesteer: /);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => ObservationSchema.parse(JSON.parse(l)));
    expect(lines.map((o) => [o.edge, o.ok, o.reason])).toEqual([
      ['edge-up', true, undefined],
      ['edge-500', false, 'status'],
      ['edge-tcp', true, undefined],
    ]);
    expect(lines.every((o) => o.probeRegion === 'eu')).toBe(true);
    expect(up.requests.at(-1)?.url).toBe('/healthz');

    expect(receiver.refused).toEqual([]);
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]).toMatchObject({ probe: 'probe-eu-1', region: 'eu' });
    // The report carries observations in arrival order; stdout is in policy order.
    const byEdge = (a: { edge: string }, b: { edge: string }) => a.edge.localeCompare(b.edge);
    expect([...receiver.accepted[0]!.observations].sort(byEdge)).toEqual([...lines].sort(byEdge));

    // To the alarms' region (the policy's health.alarmRegion, default us-east-1), not the probe's own (eu-west-1).
    expect(cw.calls.filter((c) => c.operation === 'PutMetricData')).toEqual([expect.objectContaining({ region: 'us-east-1', status: 200 })]);
    // Health per (edge, probe region) for dashboards and the plan's coverage check; the Route53 alarms
    // read DownVote, which a long-running probe sends once per period (never from --once).
    const health = cw.metrics.filter((m) => m.MetricName === 'Health' && m.Dimensions.length === 2).map((m) => [m.Dimensions[0]!.Value, m.Value]);
    expect(Object.fromEntries(health)).toEqual({ 'edge-up': 1, 'edge-500': 0, 'edge-tcp': 1 });
    expect(health).toHaveLength(3);
    // Logs are JSON on stderr, stdout stays pure JSON lines.
    const logs = r.stderr.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs[0]).toMatchObject({ event: 'probe.start', probe: 'probe-eu-1', region: 'eu', edges: 3 });
  });

  it('takes the key from EDGESTEER_PROBE_KEY and defaults the probe id to the region', async () => {
    const r2 = await startReportReceiver('127.0.0.27', { us: KEY });
    const r = await probe(['--policy', policyFile, '--region', 'us', '--once', '--json', '--report-to', r2.url], { EDGESTEER_PROBE_KEY: KEY });
    expect(r.code).toBe(0);
    expect(r2.accepted.map((x) => x.probe)).toEqual(['us']);
    await r2.close();
  });

  it('prints a readable table without --json', async () => {
    const r = await probe(['--policy', policyFile, '--region', 'eu', '--once', '--log-level', 'silent']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^edge-up\s+up\s+connect\s+[\d.]+ ms\s+first byte\s+[\d.]+ ms\s+HTTP 200$/m);
    expect(r.stdout).toMatch(/^edge-500\s+DOWN .*status: HTTP 500, expected 200$/m);
    expect(r.stderr).toBe('');
  });

  it('exits 1 when a sink cannot be reached, still printing the observations', async () => {
    const port = await refusedPort('127.0.0.27');
    const r = await probe(['--policy', policyFile, '--region', 'eu', '--once', '--json', '--report-to', `http://127.0.0.27:${port}/v1/observations`, '--key-file', keyFile, '--probe-id', 'probe-eu-1']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.stderr).toMatch(/E_PROBE_SINK_FAILED: .*127\.0\.0\.27/);
  });

  it.each([
    { name: 'an unknown region', args: ['--region', 'mars'], code: 1, err: /E_PROBE_REGION_UNKNOWN: region "mars" is not in the policy; regions: eu, us/ },
    { name: 'a world-readable key file', args: ['--region', 'eu', '--report-to', 'http://127.0.0.27:9/', '--key-file', 'WORLD'], code: 1, err: /E_KEYS_PERMS: .*chmod 600/ },
    { name: 'report-to without any key', args: ['--region', 'eu', '--report-to', 'http://127.0.0.27:9/'], code: 1, err: /E_PROBE_KEY_MISSING/ },
    { name: 'a bad concurrency', args: ['--region', 'eu', '--concurrency', '0'], code: 2, err: /positive integer/ },
    { name: 'a missing --region', args: [], code: 2, err: /required option '--region <id>'/ },
  ])('refuses $name (exit $code)', async ({ args, code, err }) => {
    const world = join(dir, 'world.keys');
    writeFileSync(world, `eu eu ${KEY}\n`);
    chmodSync(world, 0o644);
    const r = await probe(['--policy', policyFile, '--once', ...args.map((a) => (a === 'WORLD' ? world : a))]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(err);
  });

  it('refuses an invalid policy with file:line:col problems', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 2\n');
    const r = await probe(['--policy', bad, '--region', 'eu', '--once']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:1:\d+/);
    expect(r.stderr).toMatch(/E_POLICY_INVALID/);
  });
});

describe('edgesteer probe (long-running)', () => {
  it('keeps checking and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'probe', '--policy', policyFile, '--region', 'eu', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    // Default interval is 5 s with the first check inside the first 10%: three observations arrive quickly.
    await expect.poll(() => out.trim().split('\n').filter(Boolean).length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    expect(code).toBe(0);
    for (const l of out.trim().split('\n')) ObservationSchema.parse(JSON.parse(l));
  });
});
