/**
 * `edgesteer route53 plan|apply` as a real process against the Route53 test
 * endpoint: human and JSON plans, "No changes." with exit 0, apply by
 * checksum, tables from a file and from a controller URL, loop mode with
 * zero writes on quiet cycles.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutingTable } from '@edgesteer/core';
import { startRoute53Endpoint, type Route53Endpoint } from './support/route53-endpoint.js';
import { startCloudWatchEndpoint } from './support/cloudwatch-endpoint.js';
import { awsTestEnv, makePolicy, tableFor } from './support/route53/fixtures.js';

const CLI = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'main.js');
const ZONE = 'ZTESTZONE1';
const WRITES = ['ChangeResourceRecordSets', 'CreateHealthCheck', 'UpdateHealthCheck', 'DeleteHealthCheck', 'ChangeTagsForResource'];

let dir: string;
let ep: Route53Endpoint;
const policy = makePolicy();
const policyFile = (): string => join(dir, 'policy.json');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgesteer-r53-cli-'));
  writeFileSync(policyFile(), JSON.stringify(policy, null, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  ep = await startRoute53Endpoint();
  ep.createZone('example.com', ZONE);
});
afterEach(async () => {
  await ep.close();
});

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '',
  ...awsTestEnv(),
  // Anything not pointed at the test endpoint would fail fast here, never reach AWS.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
});

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'route53', ...args], { env: { ...env(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const writes = (): number => WRITES.reduce((n, op) => n + ep.callCount(op), 0);
const base = (): string[] => ['--policy', policyFile(), '--endpoint', ep.url];

describe('edgesteer route53 plan / apply', () => {
  it('plans, refuses a stale checksum, applies the reviewed one, then says "No changes."', async () => {
    const tableFile = join(dir, 'table.json');
    writeFileSync(tableFile, JSON.stringify(tableFor(policy)));
    const human = await cli(['plan', ...base(), '--table', tableFile]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Zone example.com. (${ZONE})`);
    expect(human.stdout).toContain('  + cdn.example.com. A latency eu-west-1 [cdn-eu] → alias eu.cdn._edgesteer.example.com. (evaluate target health)');
    expect(human.stdout).toContain('Plan: 15 to create, 0 to update, 0 to delete (records)');

    const json = await cli(['plan', ...base(), '--table', tableFile, '--json']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { checksum: string; empty: boolean; summary: { records: { create: number } } };
    expect(plan).toMatchObject({ empty: false, summary: { records: { create: 15 } } });
    expect(plan.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(human.stdout).toContain(`checksum ${plan.checksum}`);
    expect(writes()).toBe(0);

    const stale = await cli(['apply', ...base(), '--table', tableFile, '--checksum', '0'.repeat(64)]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^edgesteer: E_R53_CHECKSUM_MISMATCH: the plan changed since it was reviewed/m);
    expect(writes()).toBe(0);

    const applied = await cli(['apply', ...base(), '--table', tableFile, '--checksum', plan.checksum]);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain('route53: records: batch 1/1 zone example.com.: 30 changes');
    expect(applied.stderr).toMatch(/route53: applied in 1 change request\(s\); calls: .*ChangeResourceRecordSets 1/);
    expect(ep.records(ZONE)).toHaveLength(32);

    const again = await cli(['plan', ...base(), '--table', tableFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  }, 60_000);

  it('without --table plans from the policy with every edge up; endpoints from the SDK environment variables', async () => {
    const cw = await startCloudWatchEndpoint();
    try {
      // No --endpoint: AWS_ENDPOINT_URL_ROUTE_53 / _CLOUDWATCH as the SDK reads them.
      const r = await cli(['apply', '--policy', policyFile()], { AWS_ENDPOINT_URL_ROUTE_53: ep.url, AWS_ENDPOINT_URL_CLOUDWATCH: cw.url });
      expect(r.stderr).toContain('route53: applied in 1 change request(s)');
      expect(r.code).toBe(0);
      expect(ep.records(ZONE).filter((x) => x.Type === 'A' && x.Failover === 'PRIMARY')).toHaveLength(6);
      expect(ep.healthChecks()).toHaveLength(3);
      // Like against AWS, alarms are read (to clean up old ones) even with only native checks.
      expect(cw.calls.map((c) => c.operation)).toEqual(['DescribeAlarms']);
    } finally {
      await cw.close();
    }
  });

  it('a policy without a hosted zone: says so and makes no network call at all', async () => {
    const noZone = structuredClone(policy) as unknown as { zones: Array<{ route53?: unknown }> };
    delete noZone.zones[0]!.route53;
    const file = join(dir, 'nozone.json');
    writeFileSync(file, JSON.stringify(noZone));
    // A listener that records any connection: nothing may reach it.
    let connections = 0;
    const trap = createServer((_q, r) => r.end()).on('connection', () => connections++);
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    try {
      for (const verb of ['plan', 'apply']) {
        const r = await cli([verb, '--policy', file, '--endpoint', url, '--cloudwatch-endpoint', url, '--table', `${url}/v1/table`]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('No hosted zone:');
        expect(r.stdout).toContain('has no zone with route53.hostedZoneId');
      }
      expect(connections).toBe(0);
      expect(ep.calls).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('an unreachable endpoint fails within 10 s with E_R53_UNREACHABLE naming it (attempts configurable)', async () => {
    const trap = createServer();
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const port = (trap.address() as AddressInfo).port;
    await new Promise<void>((resolve) => trap.close(() => resolve()));
    const dead = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    const r = await cli(['plan', '--policy', policyFile(), '--endpoint', dead]);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^edgesteer: E_R53_UNREACHABLE: cannot reach route53 at ${dead} \\(GetHostedZone\\): ECONNREFUSED`, 'm'));
    expect(r.stderr).toContain('on 3 attempt(s)');
    expect(seconds).toBeLessThan(10);
    const once = await cli(['plan', '--policy', policyFile(), '--endpoint', dead, '--retries', '1']);
    expect(once.stderr).toContain('on 1 attempt(s)');

    // An endpoint that accepts connections and never answers (the silent case): still within 10 s.
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const t1 = performance.now();
      const h = await cli(['plan', '--policy', policyFile(), '--endpoint', url]);
      const hungSeconds = (performance.now() - t1) / 1000;
      expect(h.code).toBe(1);
      expect(h.stderr).toMatch(/^edgesteer: E_R53_UNREACHABLE: cannot reach route53 at http:\/\/127\.0\.0\.1:\d+ \(GetHostedZone\): TimeoutError/m);
      expect(hungSeconds).toBeLessThan(10);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  }, 30_000);

  it('reports a policy problem or an unreachable table with stable codes', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...policy, owner: 'Not Valid' }));
    const p = await cli(['plan', '--policy', bad, '--endpoint', ep.url]);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('edgesteer: E_POLICY_INVALID:');
    const t = await cli(['plan', ...base(), '--table', 'http://127.0.0.1:9/v1/table']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/^edgesteer: E_R53_TABLE_SOURCE: cannot fetch the routing table/m);
  });
});

describe('edgesteer route53 apply --loop', () => {
  let server: Server;
  let served: RoutingTable;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    served = tableFor(policy, [], 1);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reconciles on the interval with zero writes while nothing changes, and follows a new table version', async () => {
    const tableUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/table`;
    child = spawn(process.execPath, [CLI, 'route53', 'apply', ...base(), '--table', tableUrl, '--loop', '0.4'], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    child.stderr!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    const waitFor = async (pred: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log: ${JSON.stringify(lines.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await waitFor(() => lines.some((l) => l['event'] === 'route53_apply'), 'first apply');
    expect(ep.records(ZONE)).toHaveLength(32);
    const afterFirst = writes();

    // Same table: full reconciles every 0.4 s (they read the zone) make no write call.
    const reads = ep.callCount('ListResourceRecordSets');
    await waitFor(() => lines.filter((l) => l['event'] === 'route53_plan').length >= 4, 'three quiet cycles');
    expect(ep.callCount('ListResourceRecordSets')).toBeGreaterThanOrEqual(reads + 3);
    expect(writes()).toBe(afterFirst);
    expect(lines.filter((l) => l['event'] === 'route53_apply')).toHaveLength(1);

    // A new table version is reconciled at once, in one change request.
    served = tableFor(policy, ['eu-1'], 2);
    // A failover re-ranks 7 of 15 owned records (47%): applied without --force (the gate counts policy changes only).
    await waitFor(() => lines.filter((l) => l['event'] === 'route53_apply').length >= 2, 'second apply');
    expect(lines.some((l) => l['event'] === 'route53_error')).toBe(false);
    expect(lines.filter((l) => l['event'] === 'route53_apply').at(-1)).toMatchObject({ component: 'route53', reranked: 7 });
    expect(ep.callCount('ChangeResourceRecordSets')).toBe(2);
    expect(ep.records(ZONE).find((r) => r.SetIdentifier === 'cdn-eu-primary')?.ResourceRecords).toEqual(['203.0.113.21']);
    const versions = lines.filter((l) => l['event'] === 'route53_plan').map((l) => l['tableVersion']);
    expect(versions.slice(0, 4)).toEqual([1, 1, 1, 1]);
    expect(versions.at(-1)).toBe(2);

    const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
