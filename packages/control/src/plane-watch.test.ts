import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PlaneWatch, readPlaneHealth } from './plane-watch.js';
import { harness } from './testing/harness.js';

describe('readPlaneHealth', () => {
  it.each([
    ['the full contract', { plane: 'dns', status: 'unsynced', table: { version: 7, hash: 'abc', generatedAt: 5 }, policyHash: 'p', clientMapHash: null, lastObservationAt: 9 }, { kind: 'dns', status: 'unsynced', tableVersion: 7, tableHash: 'abc', generatedAt: 5, policyHash: 'p', clientMapHash: null, lastObservationAt: 9 }],
    ['missing fields stay unknown', { ok: true, table: { version: 3 } }, { kind: undefined, status: undefined, tableVersion: 3, tableHash: undefined, generatedAt: undefined, policyHash: undefined, clientMapHash: undefined, lastObservationAt: undefined }],
    ['a DNS server before the contract (kind inferred)', { ok: true, status: 'ok', table: { version: 2, hash: 'h', generatedAt: 1 }, processes: 1 }, { kind: 'dns?', tableHash: 'h' }],
    ['junk', 'not an object', { kind: undefined, tableHash: undefined }],
  ])('%s', (_what, body, want) => {
    expect(readPlaneHealth(body)).toMatchObject(want);
  });
});

describe('PlaneWatch', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const serve = async (body: () => unknown) => {
    const s = createServer((_req, res) => res.end(JSON.stringify(body())));
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  it('counts the planes that serve the controller\'s table, names the one that differs since when, and an unreachable one', async () => {
    const h = harness();
    let hash = h.controller.table.hash;
    const same = await serve(() => ({ plane: 'dns', status: 'ok', table: { version: 1, hash: h.controller.table.hash, generatedAt: 1 } }));
    const other = await serve(() => ({ plane: 'worker', status: 'ok', table: { version: 1, hash, generatedAt: 1 } }));
    const dead = await serve(() => ({}));
    servers.pop()!.close(); // its port is free again: nothing listens there
    const w = new PlaneWatch({ controller: h.controller, urls: [same, other, dead], timeoutMs: 500 });
    await w.pollOnce();
    expect(w.agreement()).toMatchObject({ total: 4, agree: 3, differ: [] });
    expect(w.agreement().unknown).toEqual([{ url: dead, kind: undefined, why: expect.stringMatching(/^unreachable: ECONNREFUSED/) }]);

    hash = 'f'.repeat(64);
    const t0 = h.now();
    await w.pollOnce();
    h.advance(5000);
    await w.pollOnce();
    expect(w.agreement()).toMatchObject({ total: 4, agree: 2, differ: [{ url: other, kind: 'worker', since: t0, hash }] });
    h.close();
  });
});
