/**
 * The what-if commands end to end, as real processes against a real
 * controller on loopback: signed reports over HTTP land in the controller's
 * durable observation log; `edgesteer timeline export` saves them (from the
 * controller, and from its state directory after a restart); `edgesteer
 * replay` runs them under two policies; `edgesteer policy plan` reports a
 * change that moves eu-west from euw1 to use1 with its client share, with
 * the exit codes CI relies on (0 no change, 3 changes, 1 invalid file, 4
 * over --max-moved).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@edgesteer/core';
import { silentLogger, startController, type RunningController } from '@edgesteer/control';
import { Registry } from 'prom-client';
import { PROBE_KEYS, signed } from '@edgesteer/control/testing';
import { loadPolicyFile } from '@edgesteer/policy';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'packages/cli/dist/main.js');
const current = join(root, 'config/policy.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: root, timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// RTT from each region: its own edge is closest; from eu-west use1 (40 ms) beats aps1 (150 ms).
const RTT: Record<string, Record<string, number>> = {
  'us-east': { use1: 10, euw1: 80, aps1: 200 },
  'eu-west': { use1: 40, euw1: 10, aps1: 150 },
  'ap-south': { use1: 200, euw1: 150, aps1: 10 },
};

let dir: string;
let stateDir: string;
let ctl: RunningController;
const T = Date.now() - 20_000;
let seq = 0;

async function post(region: string, at: number, down: string[] = []): Promise<void> {
  const observations: Observation[] = Object.entries(RTT[region]!).map(([edge, ms]) =>
    down.includes(edge) ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' } : { probeRegion: region, edge, at, ok: true, connectMs: ms },
  );
  const { body, headers } = await signed({ probe: `probe-${region}`, region, seq: ++seq, sentAt: Date.now(), observations }, Date.now());
  const res = await fetch(`${ctl.url}/v1/observations`, { method: 'POST', body, headers });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgesteer-whatif-'));
  stateDir = join(dir, 'state');
  ctl = await startController({ policyFile: current, listen: '127.0.0.1:0', stateDir, keys: PROBE_KEYS, watch: false, tickMs: 60_000, persistDebounceMs: 10, registry: new Registry(), logger: silentLogger() });
  // 12 s of checks; euw1 fails everywhere from second 4 to 7 (fall 2 → down, rise 2 → back).
  for (let i = 0; i < 12; i++) for (const region of Object.keys(RTT)) await post(region, T + i * 1000, i >= 4 && i < 8 ? ['euw1'] : []);
  // The new policy: cdn without euw1 — eu-west's clients move to use1.
  const text = await readFile(current, 'utf8');
  const next = text.replace('    edges: [use1, euw1, aps1]\n    steering: latency', '    edges: [use1, aps1]\n    steering: latency').replace('fallback: [use1, euw1, aps1]', 'fallback: [use1, aps1]');
  expect(next).not.toBe(text);
  await writeFile(join(dir, 'new.yaml'), next);
  await writeFile(join(dir, 'fall3.yaml'), text.replaceAll('fall: 2', 'fall: 3'));
  await writeFile(join(dir, 'broken.yaml'), next.replace('quorum: 2', 'quorum: two'));
  // Two clients in each region's CIDRs, one elsewhere (the default region, us-east).
  await writeFile(join(dir, 'clients.txt'), ['10.1.0.1', '10.1.7.7', '10.2.0.1', '10.2.9.9', '10.3.0.1', '10.3.5.5', '203.0.113.9', '# comment'].join('\n'));
}, 60_000);

afterAll(async () => {
  await ctl?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('timeline export and replay', () => {
  it('exports what the controller ingested, replays it under two policies, and the log survives a restart', async () => {
    const exported = await cli('timeline', 'export', '--controller', ctl.url, '--since', '1h');
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trim().split('\n');
    expect(lines).toHaveLength(12 * 3 * 3);
    await writeFile(join(dir, 'incident.jsonl'), exported.stdout);

    const r = await cli('replay', join(dir, 'incident.jsonl'), '--policy', current, '--policy', join(dir, 'fall3.yaml'));
    expect(r.code).toBe(0);
    // fall 2: down at the 2nd failure (second 5), back at the 2nd success (9); fall 3: down at second 6.
    expect(r.stdout).toContain('euw1: down at +0:05, 1.0 s after its first failed check; back at +0:09, 1.0 s after it answered again');
    expect(r.stdout).toContain('euw1: down at +0:06, 2.0 s after its first failed check; back at +0:09, 1.0 s after it answered again');
    expect(r.stdout).toMatch(/cdn eu-west: euw1 -> use1/);
    expect(r.stdout).toMatch(/fail over, median \/ max \(s\) +1\.0 \/ 1\.0 +2\.0 \/ 2\.0/);
    const again = await cli('replay', join(dir, 'incident.jsonl'), '--policy', current, '--policy', join(dir, 'fall3.yaml'));
    expect(again.stdout).toBe(r.stdout);

    // Restart: a new controller on the same state directory still has the log; the CLI reads it with the controller down too.
    await ctl.close();
    ctl = await startController({ policyFile: current, listen: '127.0.0.1:0', stateDir, keys: PROBE_KEYS, watch: false, tickMs: 60_000, registry: new Registry(), logger: silentLogger() });
    const after = await cli('timeline', 'export', '--controller', ctl.url);
    expect(after.stdout).toBe(exported.stdout);
    const offline = await cli('timeline', 'export', '--state-dir', stateDir, '--since', '1h');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(exported.stdout);
    expect(offline.stderr).toContain('108 observations');

    const bad = await cli('timeline', 'export', '--state-dir', stateDir, '--since', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('E_BAD_SINCE');
  }, 60_000);
});

describe('policy plan', () => {
  it('reports eu-west moving euw1 -> use1 with its client share and exits 3', async () => {
    const r = await cli('policy', 'plan', join(dir, 'new.yaml'), '--controller', ctl.url, '--clients', join(dir, 'clients.txt'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('traffic: 1 of 6 routes change');
    // eu-west holds 10.2.0.0/16 (2^16 of 2^32 IPv4 addresses) and 2001:db8:2::/48, and 2 of the 7 samples.
    expect(r.stdout).toContain('  cdn: clients moved: IPv4 0.0015% of the address space, IPv6 3.6e-13% , 28.6% of sampled clients'.replace(' , ', ', '));
    expect(r.stdout).toMatch(/ {4}eu-west +euw1 -> use1 +\[region holds IPv4 0\.0015%, IPv6 3\.6e-13%, 28.6% of samples\]/);
    expect(r.stdout).toContain('Route53: no zone managed in Route53');
  });

  it('with --json gives the same plan as data', async () => {
    const r = await cli('policy', 'plan', join(dir, 'new.yaml'), '--current', current, '--controller', ctl.url, '--json', '--clients', join(dir, 'clients.txt'));
    expect(r.code).toBe(3);
    const plan = JSON.parse(r.stdout) as { changes: Array<{ service: string; region: string; before: string[]; after: string[]; sampled: number }>; maxMoved: number; samples: number };
    expect(plan.changes.map((c) => [c.service, c.region, c.before, c.after, c.sampled])).toEqual([['cdn', 'eu-west', ['euw1'], ['use1'], 2 / 7]]);
    expect(plan.samples).toBe(7);
    expect(plan.maxMoved).toBe(2 / 7);
  });

  it('gates CI: exit 4 above --max-moved, 0 within it; 0 for no change; 1 for an invalid file', async () => {
    const over = await cli('policy', 'plan', join(dir, 'new.yaml'), '--controller', ctl.url, '--clients', join(dir, 'clients.txt'), '--max-moved', '10');
    expect(over.code).toBe(4);
    expect(over.stderr).toContain('E_PLAN_GATE: 28.6% of clients would move, more than --max-moved 10%');
    const within = await cli('policy', 'plan', join(dir, 'new.yaml'), '--controller', ctl.url, '--clients', join(dir, 'clients.txt'), '--max-moved', '30');
    expect(within.code).toBe(0);
    const same = await cli('policy', 'plan', current, '--current', current, '--state', join(stateDir, 'controller-state.json'));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('traffic: no answer changes (6 routes)');
    const invalid = await cli('policy', 'plan', join(dir, 'broken.yaml'), '--current', current);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/broken\.yaml:\d+:\d+ /);
    expect(invalid.stderr).toContain('E_POLICY_INVALID');
  }, 60_000);

  it('the controller shows the last policy change and its plan', async () => {
    const text = await readFile(join(dir, 'new.yaml'), 'utf8');
    const loaded = await loadPolicyFile(join(dir, 'new.yaml'));
    expect(loaded.ok && text.length > 0).toBe(true);
    const before = await (await fetch(`${ctl.url}/v1/policy/last-change`)).json();
    expect(before).toEqual({ change: null });
    if (!loaded.ok) return;
    ctl.controller.applyPolicy(loaded.policy);
    const body = (await (await fetch(`${ctl.url}/v1/policy/last-change`)).json()) as { change: { plan: { changes: Array<{ region: string; before: string[]; after: string[] }> } } };
    expect(body.change.plan.changes.map((c) => `${c.region} ${c.before}>${c.after}`)).toEqual(['eu-west euw1>use1']);
    const page = await (await fetch(`${ctl.url}/whatif`)).text();
    expect(page).toContain('eu-west      euw1 -&gt; use1');
    expect(page).toContain('href="/v1/timeline/export?since=1h"');
  });
});
