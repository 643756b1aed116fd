/**
 * `edgesteer controller` end to end: the built CLI as a real process on
 * 127.0.0.1, signed reports over HTTP with fetch, table changes followed over
 * SSE, the dashboard, hot reload, SIGTERM and a restart from the state dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoutingTable } from '@edgesteer/core';
import { PROBE_KEYS_ENV, report, roundFrom, signed, sseReader } from '@edgesteer/control/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'packages/cli/dist/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'edgesteer-controller-e2e-'));
const policyFile = join(tmp, 'policy.yaml');
const keyFile = join(tmp, 'probe-keys');
const stateDir = join(tmp, 'state');
copyFileSync(join(root, 'config/policy.yaml'), policyFile);
writeFileSync(keyFile, `# probe keys for the e2e test\n${PROBE_KEYS_ENV.split(',').join('\n')}\n`, { mode: 0o600 });

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts the controller CLI and waits for its "listening" log line. */
async function startCli(): Promise<Proc> {
  const child = spawn(process.execPath, [main, 'controller', '--policy', policyFile, '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--key-file', keyFile, '--tick-ms', '200'], {
    cwd: root,
    env: { ...process.env, EDGESTEER_ADMIN_TOKEN: 'e2e-admin-token', EDGESTEER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller did not start in 15 s; stderr: ${stderr}`)), 15_000);
    void exited.then((code) => reject(new Error(`controller exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as Record<string, unknown>;
      logs.push(rec);
      if (rec['event'] === 'controller_listening') {
        clearTimeout(timer);
        resolve(String(rec['url']));
      }
    });
  });
  return { child, url, logs, exited };
}

let seq = 0;
async function postRound(url: string, down: string[] = [], regions = ['us-east', 'eu-west', 'ap-south'], nextSeq = true): Promise<void> {
  if (nextSeq) seq++;
  for (const region of regions) {
    const now = Date.now();
    const s = await signed(report(region, seq, now, roundFrom(region, now, down)), now);
    const res = await fetch(`${url}/v1/observations`, { method: 'POST', headers: s.headers, body: s.body });
    expect(res.status, await res.clone().text()).toBe(200);
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function logged(p: Proc, what: string, match: (l: Record<string, unknown>) => boolean): Promise<true> {
  return until(what, async () => (p.logs.some(match) ? true : undefined));
}

describe('edgesteer controller (real process)', () => {
  let hashBeforeRestart = '';
  let versionBeforeRestart = 0;

  it('ingests signed reports, pushes table changes over SSE, fails over, hot-reloads, persists', async () => {
    const p = await startCli();
    const { url } = p;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const sse = sseReader((await fetch(`${url}/v1/table/stream`)).body!);
    const initial = JSON.parse((await sse.next()).data) as RoutingTable;
    expect(Object.keys(initial.services).sort()).toEqual(['api', 'cdn']);

    // Measurements arrive: each region gets its nearest edge.
    await postRound(url);
    await postRound(url);
    let table = JSON.parse((await sse.next()).data) as RoutingTable;
    table = await until('RTT-ranked answers', async () => {
      const t = (await (await fetch(`${url}/v1/table`)).json()) as RoutingTable;
      return t.services['cdn']?.regions['eu-west']?.answer[0] === 'euw1' ? t : undefined;
    });
    expect(table.services['cdn']?.regions['us-east']?.answer).toEqual(['use1']);

    // euw1 fails everywhere (fall = 2): the table moves eu-west off it, and SSE says so.
    await postRound(url, ['euw1']);
    // fall = 2 and quorum = 2: in the second failing round, us-east's report makes one region say down,
    // eu-west's makes two, which flips the verdict. Time that one POST until the table arrives over SSE.
    await postRound(url, ['euw1'], ['us-east']);
    const failedAt = performance.now();
    await postRound(url, ['euw1'], ['eu-west'], false);
    const moved = await until('SSE table without euw1 for eu-west', async () => {
      const t = JSON.parse((await sse.next()).data) as RoutingTable;
      return t.services['cdn']?.regions['eu-west']?.answer[0] !== 'euw1' ? t : undefined;
    });
    const ms = performance.now() - failedAt;
    await postRound(url, ['euw1'], ['ap-south'], false);
    console.log(`[controller-e2e] deciding report POSTed → failover table received over SSE: ${ms.toFixed(1)} ms`);
    expect(moved.edges['euw1']).toEqual({ up: false, drain: false });

    const edges = (await (await fetch(`${url}/v1/edges`)).json()) as { edges: Array<{ id: string; verdict: string; regions: Record<string, { lastReason?: string }> }> };
    const euw1 = edges.edges.find((e) => e.id === 'euw1')!;
    expect(euw1.verdict).toBe('down');
    expect(euw1.regions['eu-west']?.lastReason).toBe('timeout');

    const html = await (await fetch(`${url}/`)).text();
    expect(html).toMatch(/<th [^>]*data-edge="euw1" data-verdict="down"/);
    expect(html).toMatch(/<td [^>]*data-edge="euw1" data-region="eu-west" data-up="false"/);

    // stdout is read asynchronously: wait for the lines rather than racing them.
    await logged(p, 'verdict log', (l) => l['event'] === 'verdict_changed' && l['edge'] === 'euw1' && l['to'] === 'down');
    await logged(p, 'answer log', (l) => l['event'] === 'answer_changed' && l['service'] === 'cdn' && l['region'] === 'eu-west' && (l['from'] as string[])[0] === 'euw1');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^edgesteer_controller_edge_up\{edge="euw1"\} 0$/m);
    expect(metrics).toMatch(/^edgesteer_controller_reports_accepted_total\{probe="probe-eu-west"\} 4$/m);

    // Hot reload, valid: drain aps1 → applied within a second.
    const original = readFileSync(policyFile, 'utf8');
    const reloadAt = performance.now();
    writeFileSync(policyFile, original.replace(/(  - id: aps1\n    region: ap-south\n)/, '$1    drain: true\n'));
    await until('aps1 drained', async () => ((JSON.parse((await sse.next()).data) as RoutingTable).edges['aps1']?.drain ? true : undefined), 3000);
    console.log(`[controller-e2e] policy edit → SSE table with drain: ${(performance.now() - reloadAt).toFixed(0)} ms`);

    // Hot reload, invalid: logged problem by problem, old policy keeps serving, /healthz says so.
    const servingHash = ((await (await fetch(`${url}/healthz`)).json()) as { table: { hash: string } }).table.hash;
    writeFileSync(policyFile, original.replace('edges: [use1, euw1, aps1]', 'edges: [use1, euw1, aps9]'));
    const health = await until('degraded health', async () => {
      const h = (await (await fetch(`${url}/healthz`)).json()) as { status: string; policy: { errors: string[] }; table: { hash: string } };
      return h.status === 'degraded' ? h : undefined;
    });
    expect(health.policy.errors.join('\n')).toMatch(/policy\.yaml:\d+:\d+ .*aps9/);
    expect(health.table.hash).toBe(servingHash);
    await logged(p, 'policy problem log', (l) => l['event'] === 'policy_invalid' && String(l['problem']).includes('aps9'));

    // Admin reload needs the token.
    expect((await fetch(`${url}/v1/reload`, { method: 'POST' })).status).toBe(401);
    writeFileSync(policyFile, original);
    const reloaded = await fetch(`${url}/v1/reload`, { method: 'POST', headers: { authorization: 'Bearer e2e-admin-token' } });
    expect(reloaded.status).toBe(200);
    const recovered = (await (await fetch(`${url}/healthz`)).json()) as { status: string; table: { hash: string; version: number } };
    expect(recovered.status).toBe('ok');

    await sse.close();
    hashBeforeRestart = recovered.table.hash;
    versionBeforeRestart = recovered.table.version;
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await logged(p, 'stop log', (l) => l['event'] === 'controller_stopped');
  });

  it('comes back from the state dir with the same table hash', async () => {
    expect(hashBeforeRestart).not.toBe('');
    const p = await startCli();
    const res = await fetch(`${p.url}/v1/table`);
    const t = (await res.json()) as RoutingTable;
    expect(t.hash).toBe(hashBeforeRestart);
    expect(t.version).toBe(versionBeforeRestart);
    expect(res.headers.get('etag')).toBe(`"${hashBeforeRestart}"`);
    await logged(p, 'restore log', (l) => l['event'] === 'state_restored' && l['sameHash'] === true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
