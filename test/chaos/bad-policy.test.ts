/**
 * Bad input: invalid policies on reload. `edgesteer dns`, `edgesteer
 * controller` and `edgesteer worker` watch the same policy file; it is
 * replaced by one invalid policy after another, taken from the policy
 * package's own fixtures (packages/policy/src/fixtures/bad, one per rule
 * class, each stating the problems it must produce). Every process must
 * reject each file listing every expected error (file:line:col rule), and
 * keep answering from the previous policy: DNS over UDP, the Worker over DoH,
 * the controller's table. A valid edit afterwards is applied by all three.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, TYPE } from '@edgesteer/dns-wire';
import type { RoutingTable } from '@edgesteer/core';
import { chaosLine, scale, SOAK } from './support/report.js';
import { getJson } from './support/http.js';
import { killAll, startProc, until, type ChaosProc, type LogLine, ROOT } from './support/proc.js';
import { chaosPolicyInput, EDGE_ADDR, tempDir, writeKeyFile } from './support/stack.js';
import { addressesOf, openUdpDns, startQueryLoop, type UdpDnsClient } from './support/udp-dns.js';

const FIXTURES = join(ROOT, 'packages/policy/src/fixtures/bad');
/** One fixture per class of error in CI (syntax, structure, schema, ranges, references, networks, several at once); all of them in the soak. */
const CI_FIXTURES = ['yaml-syntax', 'duplicate-key', 'file-empty', 'schema-unknown-key', 'schema-type', 'timeout-exceeds-interval', 'unknown-edge', 'cidr-overlap', 'many-problems'];

const tmp = tempDir('bad-policy');
const policyFile = join(tmp.dir, 'policy.yaml');
let dns: ChaosProc;
let controller: ChaosProc;
let worker: ChaosProc;
let ctlUrl: string;
let workerUrl: string;
let client: UdpDnsClient;

/** Replaces the policy file by rename, as config management does. */
function replacePolicy(text: string): void {
  writeFileSync(policyFile + '.new', text);
  renameSync(policyFile + '.new', policyFile);
}

const validPolicy = (extra = false) =>
  JSON.stringify(
    chaosPolicyInput({
      ports: {},
      intervalMs: 1000,
      ...(extra ? { extraServices: [{ id: 'api', name: 'api.example.com', types: ['A' as const], edges: ['euw1'], answers: 1, ttl: 30 }] } : {}),
    }),
    null,
    2,
  );

beforeAll(async () => {
  replacePolicy(validPolicy());
  const keyFile = writeKeyFile(tmp.dir);
  dns = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0']);
  controller = startProc('controller', ['controller', '--policy', policyFile, '--listen', '127.0.0.1:0', '--no-state', '--key-file', keyFile]);
  worker = startProc('worker', ['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
  const [ready, c, w] = await Promise.all([
    dns.waitForLog((l) => l.msg === 'dns server ready', 20_000),
    controller.waitForLog((l) => l.event === 'controller_listening', 20_000),
    worker.waitForLog((l) => l.event === 'worker_ready', 20_000),
  ]);
  ctlUrl = String(c['url']);
  workerUrl = String(w['url']);
  client = await openUdpDns(Number(ready['port']));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([dns?.stop(), controller?.stop(), worker?.stop()]);
  killAll();
  tmp.cleanup();
});

/** The expected errors of a fixture: `# expect: line:col error rule`. */
function expectedErrors(text: string): string[] {
  return [...text.matchAll(/^# expect: (\d+):(\d+) error ([a-z0-9-]+)$/gm)].map((m) => `:${m[1]}:${m[2]} ${m[3]}`);
}

/** Everything a process logged after index `from`, as text. */
const logText = (lines: LogLine[]) => lines.map((l) => `${String(l.msg ?? '')} ${String(l['problem'] ?? '')}`).join('\n');

async function doh(name: string): Promise<string> {
  const q = Buffer.from(encodeQuery({ name, type: TYPE.A })).toString('base64url');
  const res = await fetch(`${workerUrl}/dns-query?dns=${q}`, { signal: AbortSignal.timeout(3000) });
  return addressesOf(new Uint8Array(await res.arrayBuffer())).join(',');
}

describe('invalid policies on reload', () => {
  it('each class of error is rejected with every problem listed by DNS, controller and Worker, and the old policy keeps serving', async () => {
    const names = SOAK ? readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')) : CI_FIXTURES;
    const table0 = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
    const cdn = EDGE_ADDR[table0.services['cdn']!.regions['us-east']!.answer[0]!]!;
    const query = encodeQuery({ name: 'cdn.example.com', type: TYPE.A });
    const loop = startQueryLoop(client, { concurrency: 2, pauseMs: 5, make: () => query, check: (_i, res) => (addressesOf(res).join(',') === cdn ? null : `got ${addressesOf(res).join(',')}`) });
    const missing: string[] = [];
    let slowestS = 0;
    let dohWrong = 0;
    let checked = 0;
    try {
      for (const name of names) {
        const text = readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8');
        const want = expectedErrors(text);
        const marks = [dns.logs.length, controller.logs.length, worker.logs.length];
        const t0 = Date.now();
        replacePolicy(text);
        await Promise.all([
          until(() => dns.logs.slice(marks[0]).some((l) => l.msg === 'policy rejected; still serving the previous policy'), 10_000, `dns to reject ${name}`),
          until(() => controller.logs.slice(marks[1]).some((l) => l.event === 'policy_rejected'), 10_000, `controller to reject ${name}`),
          until(() => worker.logs.slice(marks[2]).some((l) => l.event === 'policy_rejected'), 10_000, `worker to reject ${name}`),
        ]);
        slowestS = Math.max(slowestS, (Date.now() - t0) / 1000);
        for (const [proc, mark] of [[dns, marks[0]!], [controller, marks[1]!], [worker, marks[2]!]] as const) {
          const logged = logText(proc.logs.slice(mark));
          for (const w of want) if (!logged.includes(w)) missing.push(`${proc.name} ${name}: ${w}`);
        }
        checked += want.length * 3;
        // Still serving the previous policy everywhere.
        const t = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
        expect(t.policyHash).toBe(table0.policyHash);
        if ((await doh('cdn.example.com')) !== cdn) dohWrong++;
        const health = await getJson<{ status: string }>(`${ctlUrl}/healthz`);
        expect(health.status).toBe('degraded');
        const wh = await getJson<{ policy: { lastError?: string } }>(`${workerUrl}/healthz`);
        expect(wh.policy.lastError).toBeTruthy();
      }
    } finally {
      await loop.stop();
    }

    // A valid edit is applied by all three.
    const marks = [dns.logs.length, controller.logs.length, worker.logs.length];
    const t0 = Date.now();
    replacePolicy(validPolicy(true));
    await until(() => dns.logs.slice(marks[0]).some((l) => l.msg === 'policy reloaded'), 10_000, 'dns to apply the valid policy');
    await until(() => controller.logs.slice(marks[1]).some((l) => l.event === 'policy_reloaded'), 10_000, 'controller to apply the valid policy');
    await until(() => worker.logs.slice(marks[2]).some((l) => l.event === 'policy_reloaded'), 10_000, 'worker to apply the valid policy');
    const appliedS = (Date.now() - t0) / 1000;
    const api = addressesOf((await client.query(encodeQuery({ name: 'api.example.com', type: TYPE.A })))!).join(',');
    const t1 = await getJson<RoutingTable>(`${ctlUrl}/v1/table`);
    const apiDoh = await doh('api.example.com');
    const q = loop.stats;

    chaosLine(`${names.length} invalid policies written over the watched file (${SOAK ? 'every fixture in packages/policy/src/fixtures/bad' : names.join(', ')})`, 'each rejected by DNS, controller and Worker with every problem listed; old policy keeps serving; a valid edit then applies', {
      lost: q.lost,
      wrong: q.wrong + dohWrong,
      recoverS: appliedS,
      rssMb: dns.rssMb(),
      extra: [`problems expected ${checked}, missing ${missing.length}`, `slowest rejection ${slowestS.toFixed(2)} s`, `DNS queries ${q.answered}`],
    });
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(names.length * 3);
    expect(q.lost).toBe(0);
    expect(q.wrongSamples).toEqual([]);
    expect(dohWrong).toBe(0);
    expect(api).toBe(EDGE_ADDR['euw1']);
    expect(apiDoh).toBe(EDGE_ADDR['euw1']);
    expect(Object.keys(t1.services)).toContain('api');
  }, scale(60_000, 300_000));
});
