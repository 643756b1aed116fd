/**
 * `edgesteer explain` end to end: the built CLI as a real process, against
 * config/policy.yaml (regions us-east, eu-west, ap-south; edges use1, euw1,
 * aps1; service cdn), with observation files written to a temp dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'packages/cli/dist/main.js');
const policy = join(root, 'config/policy.yaml');
const T = 1_700_000_000_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgesteer-explain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** euw1 fails twice (fall 2) from eu-west and us-east; eu-west measures use1 and aps1. */
const outage = [
  { probeRegion: 'eu-west', edge: 'euw1', at: T, ok: false, reason: 'timeout' },
  { probeRegion: 'eu-west', edge: 'euw1', at: T + 1000, ok: false, reason: 'timeout' },
  { probeRegion: 'us-east', edge: 'euw1', at: T, ok: false, reason: 'refused' },
  { probeRegion: 'us-east', edge: 'euw1', at: T + 1000, ok: false, reason: 'refused', detail: 'connect ECONNREFUSED' },
  { probeRegion: 'eu-west', edge: 'use1', at: T + 1000, ok: true, connectMs: 80.5 },
  { probeRegion: 'eu-west', edge: 'aps1', at: T + 1000, ok: true, connectMs: 120 },
];

describe.concurrent('edgesteer explain', () => {
  it('explains a ranking from JSON-lines observations', async () => {
    const file = join(dir, 'outage.jsonl');
    await writeFile(file, outage.map((o) => JSON.stringify(o)).join('\n') + '\n\n');
    const r = await cli('explain', '--policy', policy, '--service', 'cdn', '--region', 'eu-west', '--observations', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cdn (cdn.example.com) for clients in eu-west at 2023-11-14T22:13:21.000Z');
    expect(r.stdout).toContain('latency steering, mode ranked: answer use1 (RTT 80.5 ms)');
    expect(r.stdout).toMatch(/^ {2}1 +use1 +us-east +up .*fastest: RTT 80\.5 ms; answered$/m);
    expect(r.stdout).toMatch(/^ {2}2 +aps1 .*RTT 120 ms; not answered \(answers: 1\)$/m);
    expect(r.stdout).toMatch(/^ {2}- +euw1 +eu-west +down .*down: 2\/2 fresh regions say down \(quorum 2\): last failure refused \(connect ECONNREFUSED\)$/m);
  });

  it('reads a JSON array and prints JSON', async () => {
    const file = join(dir, 'outage.json');
    await writeFile(file, JSON.stringify(outage, null, 2));
    const r = await cli('explain', '--policy', policy, '--service', 'cdn.example.com', '--region', 'eu-west', '--observations', file, '--json');
    expect(r.code).toBe(0);
    const x = JSON.parse(r.stdout);
    expect(x).toMatchObject({ service: 'cdn', region: 'eu-west', mode: 'ranked', answer: ['use1'], ranked: ['use1', 'aps1'], at: T + 1000, observations: { used: 6, ignored: 0, later: 0 } });
    const euw1 = x.edges.find((e: { edge: string }) => e.edge === 'euw1');
    expect(euw1).toMatchObject({ inRanking: false, position: null, up: false });
    expect(euw1.reason).toMatch(/^down: 2\/2 fresh regions say down \(quorum 2\)/);
  });

  it('keeps the replayed best by hysteresis', async () => {
    const file = join(dir, 'hysteresis.jsonl');
    const rows = [
      { probeRegion: 'eu-west', edge: 'euw1', at: T, ok: true, connectMs: 30 },
      { probeRegion: 'eu-west', edge: 'use1', at: T, ok: true, connectMs: 35 },
      // EWMA (rttAlpha 0.3): 0.3 × 15 + 0.7 × 35 = 29 ms, faster than euw1's 30 ms but not by 20 %.
      { probeRegion: 'eu-west', edge: 'use1', at: T + 1000, ok: true, connectMs: 15 },
    ];
    await writeFile(file, rows.map((o) => JSON.stringify(o)).join('\n'));
    const r = await cli('explain', '--policy', policy, '--service', 'cdn', '--region', 'eu-west', '--observations', file, '--at', String(T + 1500));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('answer euw1');
    expect(r.stdout).toContain('kept by hysteresis: use1 is only 3.3% faster (29 ms vs 30 ms), needs 20%');
  });

  it('assumes every edge up without observations, local edge first', async () => {
    const r = await cli('explain', '--policy', policy, '--service', 'cdn', '--region', 'ap-south', '--at', String(T), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ answer: ['aps1'], ranked: ['aps1', 'use1', 'euw1'], mode: 'ranked' });
  });

  it('reports invalid observations with their line numbers (exit 1)', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '[\n  {"probeRegion": "eu-west", "edge": "euw1", "at": 1, "ok": true},\n  {"probeRegion": "eu-west", "edge": "euw1",\n   "at": -5, "ok": "yes"}\n]\n');
    const r = await cli('explain', '--policy', policy, '--service', 'cdn', '--region', 'eu-west', '--observations', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3: at:`);
    expect(r.stderr).toContain(`${file}:3: ok:`);
    expect(r.stderr).toContain('E_OBSERVATIONS_INVALID');
    expect(r.stdout).toBe('');
  });

  it.each<[string, string[], number, RegExp]>([
    ['missing --region is a usage error', ['--service', 'cdn'], 2, /E_USAGE: give exactly one of --region <id>/],
    ['--at must be epoch ms', ['--service', 'cdn', '--region', 'eu-west', '--at', 'yesterday'], 2, /E_USAGE: --at must be Unix epoch milliseconds/],
    ['unknown service', ['--service', 'video', '--region', 'eu-west'], 1, /E_CORE_UNKNOWN_SERVICE: no service "video" in the policy \(services: cdn, api\)/],
    ['unknown region', ['--service', 'cdn', '--region', 'mars'], 1, /E_CORE_UNKNOWN_REGION/],
  ])('%s', async (_name, args, code, stderr) => {
    const r = await cli('explain', '--policy', policy, ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
  });

  it('fails on a missing policy or observations file (exit 1)', async () => {
    const a = await cli('explain', '--policy', join(dir, 'nope.yaml'), '--service', 'cdn', '--region', 'eu-west');
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/E_POLICY_READ/);
    const b = await cli('explain', '--policy', policy, '--service', 'cdn', '--region', 'eu-west', '--observations', join(dir, 'nope.jsonl'));
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/E_OBSERVATIONS_READ/);
  });
});
