/**
 * `edgesteer dns --workers 2` deciding for itself: reports go to the
 * primary's HTTP listener, the primary decides once and every worker
 * process answers from the table it sends; a SIGKILL-free restart on the
 * same --state-dir comes back on the same table.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signReport, type Observation } from '@edgesteer/core';
import { dig } from './support/dns-dig.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';

const FIXTURE = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'edgesteer-dns-workers-'));
const KEYS: Record<string, string> = { 'us-east': 'dns-workers-test-key-us-east-01', 'eu-west': 'dns-workers-test-key-eu-west-02', 'ap-south': 'dns-workers-test-key-ap-south-3' };
const keyFile = join(dir, 'keys');
writeFileSync(keyFile, Object.entries(KEYS).map(([k, v]) => `${k} ${k} ${v}`).join('\n') + '\n', { mode: 0o600 });
const running: DnsProcess[] = [];
afterAll(async () => {
  for (const p of running) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every edge of the fixture: a plane is synced only when each one has data from quorum regions. */
const EDGES = ['use1', 'euw1', 'aps1', ...Array.from({ length: 8 }, (_, i) => `big${i + 1}`)];
let seq = Date.now() * 1000;
async function post(base: string, region: string, down: string[]): Promise<number> {
  const at = Date.now();
  const observations: Observation[] = EDGES.map((edge) => (down.includes(edge) ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' as const } : { probeRegion: region, edge, at, ok: true, connectMs: 5 }));
  const body = JSON.stringify({ probe: region, region, seq: ++seq, sentAt: at, observations });
  const res = await fetch(`${base}/v1/observations`, { method: 'POST', headers: { ...(await signReport(body, KEYS[region]!, at, region)), 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status;
}

describe('edgesteer dns --workers 2, deciding for itself', () => {
  it('the primary decides once from the reports; every worker answers the new table', async () => {
    const state = join(dir, 'state');
    const dns = await startDnsProcess(['--policy', FIXTURE, '--listen', '127.0.0.1:0', '--workers', '2', '--http-listen', '127.0.0.1:0', '--key-file', keyFile, '--state-dir', state, '--rrl-rate', '0']);
    running.push(dns);
    const http = await dns.waitForLog((l) => l['event'] === 'metrics_listening');
    const base = String(http['base']);
    for (let i = 0; i < 3; i++) for (const r of Object.keys(KEYS)) expect(await post(base, r, ['euw1'])).toBe(200);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string; table: { version: number; hash: string }; processes: number; reports: { accepted: number } };
    expect(health).toMatchObject({ status: 'ok', processes: 2, reports: { accepted: 9 } });
    // Many queries from fresh source ports: the kernel spreads them over both workers; none answers euw1.
    const answers = await Promise.all(Array.from({ length: 12 }, () => dig('127.0.0.1', dns.port, ['+short', '+subnet=10.2.3.0/24', 'cdn.example.com', 'A'])));
    const lines = answers.flatMap((a) => a.raw.split('\n').map((l) => l.trim()).filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l)));
    expect(lines.length).toBe(12);
    expect(lines.every((l) => l !== '127.0.0.12')).toBe(true);
    // Decisions happen in the primary only (workers build answer planes from what it sends).
    expect(dns.logs.filter((l) => l['event'] === 'plane_synced')).toHaveLength(1);
    await dns.stop();
    // Back on the same state directory: the same table, no older version.
    const again = await startDnsProcess(['--policy', FIXTURE, '--listen', '127.0.0.1:0', '--workers', '2', '--http-listen', '127.0.0.1:0', '--key-file', keyFile, '--state-dir', state]);
    running.push(again);
    const restored = await again.waitForLog((l) => l['event'] === 'state_restored');
    expect(restored).toMatchObject({ version: health.table.version, hash: health.table.hash });
    await again.stop();
  }, 60_000);
});
