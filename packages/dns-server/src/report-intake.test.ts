import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signReport, type Observation } from '@edgesteer/core';
import { startDnsMetricsListener, type DnsMetricsListener } from './metrics-http.js';
import { startDnsServer } from './server.js';
import type { DnsServer } from './options.js';
import { UDPClient } from 'dns2';
import { captureLogger, testPolicy } from './test-support.js';

const SECRETS: Record<string, string> = { 'us-east': 'dns-intake-test-key-us-east-0001', 'eu-west': 'dns-intake-test-key-eu-west-0002' };
const KEYS = new Map(Object.entries(SECRETS).map(([region, secret]) => [region, { region, secrets: [secret] }]));
let seq = Date.now() * 1000;
let dns: DnsServer;
let http: DnsMetricsListener;
let base: string;

beforeAll(async () => {
  dns = await startDnsServer({ policy: testPolicy(), port: 0, keys: KEYS, logger: captureLogger().log, rrl: false, tickMs: 50 });
  http = await startDnsMetricsListener(() => dns.metrics(), { host: '127.0.0.1', port: 0 }, { intake: dns.intake });
  base = http.url.replace(/\/metrics$/, '');
});
afterAll(async () => {
  await http?.close();
  await dns?.close();
});

function round(region: string, at: number, down: string[]): Observation[] {
  return ['use1', 'euw1'].map((edge) => (down.includes(edge) ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' as const } : { probeRegion: region, edge, at, ok: true, connectMs: 5 }));
}

async function post(region: string, obs: Observation[], o: { key?: string; seq?: number; body?: (b: string) => string } = {}): Promise<{ status: number; body: { ok: boolean; error?: { code: string; reason: string }; table?: { version: number } } }> {
  const at = Date.now();
  const body = JSON.stringify({ probe: region, region, seq: o.seq ?? ++seq, sentAt: at, observations: obs });
  const headers = await signReport(body, o.key ?? SECRETS[region]!, at, region);
  const res = await fetch(`${base}/v1/observations`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: o.body ? o.body(body) : body });
  return { status: res.status, body: (await res.json()) as never };
}

describe('POST /v1/observations on the DNS server', () => {
  it('refuses forged, tampered and replayed reports with core\'s codes, and they change nothing', async () => {
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof post>>>, number, string]> = [
      ['signed with another key', post('eu-west', round('eu-west', Date.now(), ['euw1']), { key: 'not-the-key-of-this-probe-000000' }), 401, 'bad_signature'],
      ['tampered body', post('eu-west', round('eu-west', Date.now(), []), { body: (b) => b.replace('"ok":true', '"ok":false') }), 401, 'bad_signature'],
      ['unknown probe', post('ap-south', round('ap-south', Date.now(), ['euw1']), { key: 'whatever-key-for-an-unknown-0000' }), 401, 'unknown_probe'],
    ];
    for (const [what, p, status, reason] of cases) {
      const r = await p;
      expect(r.status, what).toBe(status);
      expect(r.body.error?.reason, what).toBe(reason);
    }
    const ok = await post('us-east', round('us-east', Date.now(), []));
    expect(ok.status).toBe(200);
    const replay = await post('us-east', round('us-east', Date.now(), ['euw1', 'use1']), { seq });
    expect(replay.status).toBe(409);
    expect(replay.body.error?.code).toBe('E_REPORT_REPLAY');
    expect(dns.table.edges['euw1']?.up ?? true).toBe(true);
    expect(dns.table.edges['use1']?.up ?? true).toBe(true);
    expect(dns.metrics().plane?.reports?.rejected).toMatchObject({ bad_signature: 2, unknown_probe: 1, replay: 1 });
  });

  it('decides from genuine reports: quorum of regions says down → the DNS answer moves', async () => {
    for (let i = 0; i < 3; i++) for (const r of ['us-east', 'eu-west']) expect((await post(r, round(r, Date.now() + i, ['euw1']))).status).toBe(200);
    expect(dns.table.edges['euw1']!.up).toBe(false);
    // Decoded by dns2, not our codec: an eu-west client now gets use1.
    const resolve = UDPClient({ dns: '127.0.0.1', port: dns.port, retryOverTCP: false });
    const m = await resolve('cdn.example.com', 'A', 1, { clientIp: '10.2.3.4', recursive: false });
    expect(m.answers.map((a) => a.address)).toEqual(['127.0.0.11']);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { plane: string; status: string; table: { hash: string }; policyHash: string; lastObservationAt: number };
    expect(health).toMatchObject({ plane: 'dns', status: 'ok', table: { hash: dns.table.hash }, policyHash: dns.table.policyHash });
    expect(health.lastObservationAt).toBeGreaterThan(0);
  });
});
