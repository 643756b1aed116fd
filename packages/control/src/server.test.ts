import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoutingTable } from '@edgesteer/core';
import { silentLogger } from './logger.js';
import { startController, type RunningController } from './server.js';
import { PROBE_KEYS, report, roundFrom, signed, testPolicyInput } from './testing/fixtures.js';
import { sseReader } from './testing/sse-reader.js';

let dir: string;
const running: RunningController[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgesteer-ctl-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(extra: Partial<Parameters<typeof startController>[0]> = {}): Promise<RunningController> {
  const policyFile = join(dir, 'policy.json');
  await writeFile(policyFile, JSON.stringify(testPolicyInput(), null, 2));
  const r = await startController({
    policyFile,
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    keys: PROBE_KEYS,
    logger: silentLogger(),
    registry: new Registry(),
    persistDebounceMs: 10,
    ...extra,
  });
  running.push(r);
  return r;
}

async function postRound(url: string, seq: number, down: string[] = []): Promise<void> {
  for (const region of ['us-east', 'eu-west', 'ap-south']) {
    const now = Date.now();
    const s = await signed(report(region, seq, now, roundFrom(region, now, down)), now);
    const res = await fetch(`${url}/v1/observations`, { method: 'POST', headers: s.headers, body: s.body });
    expect(res.status).toBe(200);
  }
}

describe('startController', () => {
  it('serves over HTTP on loopback, streams tables and shuts down with open streams', async () => {
    const r = await start({ tickMs: 100 });
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = (await (await fetch(`${r.url}/healthz`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);

    const stream = await fetch(`${r.url}/v1/table/stream`);
    const sse = sseReader(stream.body!);
    expect(JSON.parse((await sse.next()).data)).toMatchObject({ hash: r.controller.table.hash });
    const hash0 = r.controller.table.hash;
    const poll = fetch(`${r.url}/v1/table?wait=1`, { headers: { 'if-none-match': `"${hash0}"` } });
    await postRound(r.url, 1);
    const polled = (await (await poll).json()) as RoutingTable;
    expect(polled.hash).not.toBe(hash0);
    const streamed = JSON.parse((await sse.next()).data) as RoutingTable;
    expect(streamed.hash).not.toBe(hash0);
    // close() must not hang on the open SSE stream.
    await r.close();
    // Events already sent may still be buffered; after them the stream must end.
    const drain = async () => {
      for (let i = 0; i < 10; i++) await sse.next(2000);
    };
    await expect(drain()).rejects.toThrow(/SSE stream ended/);
  });

  it('restarts from its state dir with the same table hash', async () => {
    const a = await start();
    await postRound(a.url, 1);
    await postRound(a.url, 2, ['aps1']);
    await postRound(a.url, 3, ['aps1']);
    expect(a.controller.table.edges['aps1']?.up).toBe(false);
    const hash = a.controller.table.hash;
    const version = a.controller.table.version;
    await a.close();
    const b = await start();
    const t = (await (await fetch(`${b.url}/v1/table`)).json()) as RoutingTable;
    expect(t.hash).toBe(hash);
    expect(t.version).toBe(version);
    // Replay protection survived the restart: the old seq is refused.
    const now = Date.now();
    const s = await signed(report('us-east', 3, now, roundFrom('us-east', now)), now);
    expect((await fetch(`${b.url}/v1/observations`, { method: 'POST', headers: s.headers, body: s.body })).status).toBe(409);
  });

  it('refuses to start on an invalid policy, listing the problems', async () => {
    const policyFile = join(dir, 'bad.json');
    await writeFile(policyFile, JSON.stringify({ ...testPolicyInput(), services: [{ id: 'x', name: 'x.example.com', edges: ['nope'] }] }));
    await expect(startController({ policyFile, listen: '127.0.0.1:0', stateDir: false, keys: PROBE_KEYS, logger: silentLogger(), registry: new Registry() })).rejects.toMatchObject({
      code: 'E_POLICY_INVALID',
      message: expect.stringMatching(/bad\.json:\d+:\d+ .*nope/),
    });
  });
});

describe('connection limits (#14: one address cannot lock others out)', () => {
  it('caps connections per source address; another address is still served', async () => {
    const { connect } = await import('node:net');
    const r = await start({ connectionLimits: { maxPerSource: 8 } });
    // 40 connections from 127.0.0.2, each stuck inside its request head.
    const hogs = Array.from({ length: 40 }, () => {
      const s = connect({ host: '127.0.0.1', port: r.port, localAddress: '127.0.0.2' });
      s.on('error', () => {});
      s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
      return s;
    });
    const deadline = Date.now() + 3000;
    while (hogs.filter((s) => s.destroyed).length < 32 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 20));
    expect(hogs.filter((s) => !s.destroyed).length).toBeLessThanOrEqual(8);
    const res = await fetch(`${r.url}/healthz`);
    expect(res.status).toBe(200);
    for (const s of hogs) s.destroy();
  });
});
