import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation, Report, RoutingTable } from '@edgesteer/core';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { LocalDecider } from './local-decider.js';
import type { PlaneSnapshot } from './plane-state.js';
import { StateKeeper } from './state-keeper.js';
import { captureLogger, eventually, testPolicy } from './test-support.js';

const T0 = 1_800_000_000_000;

function policy(unsynced?: 'assume-up' | 'servfail'): Policy {
  const p = testPolicy();
  return PolicySchema.parse({ ...p, health: { ...p.health, staleAfterMs: 10_000, ...(unsynced ? { unsynced } : {}) } });
}

/** A report from `region` at `at`; edges in `down` fail. */
function report(region: string, at: number, seq: number, down: string[] = []): Report {
  const observations: Observation[] = ['use1', 'euw1'].map((edge) =>
    down.includes(edge) ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' } : { probeRegion: region, edge, at, ok: true, connectMs: edge === 'use1' ? 5 : 50 },
  );
  return { probe: region, region, seq, sentAt: at, observations };
}

function decider(opts: { policy?: Policy; restore?: PlaneSnapshot; now?: () => number } = {}) {
  const published: Array<{ version: number; hash: string; hold: boolean; down: string[] }> = [];
  const events: string[] = [];
  let now = T0;
  const d = new LocalDecider({
    policy: opts.policy ?? policy(),
    clock: opts.now ?? (() => now),
    log: captureLogger().log,
    restore: opts.restore,
    newEpoch: () => 'epoch-1',
    publish: (t, hold) => {
      events.push(`publish v${t.version}`);
      published.push({ version: t.version, hash: t.hash, hold, down: Object.entries(t.edges).filter(([, e]) => !e.up).map(([id]) => id) });
    },
  });
  d.attachPersistence({
    durable: async () => {
      events.push(`write v${d.snapshot().table.version} start`);
      await new Promise((r) => setTimeout(r, 2));
      events.push('write done');
    },
    soon: () => {},
  });
  return { d, published, events, advance: (ms: number) => (now += ms), at: () => now };
}

/** Three rounds (fall 3) from both regions, each round one report per region. */
async function rounds(d: LocalDecider, from: number, n: number, down: string[] = [], seq = { n: 1 }): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.all(['us-east', 'eu-west'].map((r) => d.submit(report(r, from + i * 100, seq.n++, down), from)));
}

describe('LocalDecider', () => {
  it('writes the state before it publishes the table that depends on it', async () => {
    const { d, events, published } = decider();
    await rounds(d, T0 - 1000, 3, ['euw1']);
    await d.idle();
    expect(published.at(-1)!.down).toEqual(['euw1']);
    const i = events.indexOf(`publish v${published.at(-1)!.version}`);
    expect(events.slice(0, i)).toContain(`write v${published.at(-1)!.version} start`);
    expect(events[i - 1]).toBe('write done');
  });

  it('ingests the reports of one event-loop turn as one batch and publishes one table', async () => {
    const { d, published } = decider();
    await d.idle();
    const before = published.length;
    // Every round of a backlog, from both regions, delivered at once.
    const all = [0, 1, 2, 3].flatMap((i) => ['us-east', 'eu-west'].map((r, j) => report(r, T0 - 2000 + i * 100, 10 + i * 2 + j, ['euw1'])));
    const results = await Promise.all(all.map((r) => d.submit(r, T0)));
    expect(new Set(results.map((r) => r.batch))).toEqual(new Set([all.length]));
    expect(published.length - before).toBe(1);
    expect(published.at(-1)!.down).toEqual(['euw1']);
  });

  it('restarts from its snapshot on the same table, and never lower', async () => {
    const a = decider();
    await rounds(a.d, T0 - 1000, 3, ['euw1']);
    await a.d.idle();
    const snap = JSON.parse(JSON.stringify(a.d.snapshot())) as PlaneSnapshot;
    const b = decider({ restore: snap });
    expect(b.d.table.hash).toBe(snap.table.hash);
    expect(b.d.table.version).toBe(snap.table.version);
    expect(b.d.epoch).toBe(snap.epoch);
    // Restored with a policy that changes the table: the version moves forward, never back.
    const other = PolicySchema.parse({ ...policy(), services: [{ ...policy().services[0]!, ttl: 99 }] });
    const c = decider({ restore: snap, policy: other });
    expect(c.d.table.hash).not.toBe(snap.table.hash);
    expect(c.d.table.version).toBeGreaterThan(snap.table.version);
  });

  it.each<[string, 'assume-up' | 'servfail' | undefined, boolean]>([
    ['health.unsynced servfail: held until synced', 'servfail', true],
    ['default (assume-up): answers from the start', undefined, false],
  ])('%s; status unsynced → ok → stale', async (_name, mode, held) => {
    const t = decider({ policy: policy(mode) });
    expect(t.d.status()).toBe('unsynced');
    expect(t.d.hold).toBe(held);
    await rounds(t.d, t.at() - 500, 1, ['euw1']);
    expect(t.d.status()).toBe('unsynced'); // one observation per link: a dead edge could not have gone down yet
    await rounds(t.d, t.at() - 300, 2, ['euw1'], { n: 100 });
    await t.d.idle();
    expect(t.d.status()).toBe('ok');
    expect(t.d.hold).toBe(false);
    // While held nothing was published; the first table published is the synced one, euw1 down.
    if (held) expect(t.published.map((p) => p.down)).toEqual([['euw1']]);
    t.advance(20_000);
    await t.d.tick();
    expect(t.d.status()).toBe('stale');
    expect(t.d.hold).toBe(false); // once synced, losing data is fail-static, never a hold
  });
});

// ---- following a controller: never an older table -------------------------------------------------

const table = (version: number, hash = `h${version}`): RoutingTable => ({ ...minimal, version, hash });
let minimal: RoutingTable;
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('StateKeeper following a controller', () => {
  it('refuses an older table of the same epoch, follows a new epoch', async () => {
    const p = testPolicy();
    const { log, lines } = captureLogger();
    let current = { t: undefined as unknown as RoutingTable, epoch: 'e1' };
    server = createServer((req, res) => {
      const etag = `"${current.t.hash}-${current.epoch}"`;
      // No long poll here: an unchanged table is a 304 at once (the follower then polls).
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-type': 'application/json', etag, 'x-edgesteer-epoch': current.epoch }).end(JSON.stringify(current.t));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const keeper = await StateKeeper.create({ policy: p, controller: url, maxUdp: 1232, log, onPlane: () => {}, follower: { pollIntervalMs: 30 } });
    minimal = { ...keeper.table };
    current = { t: table(5), epoch: 'e1' };
    keeper.start();
    try {
      await eventually(() => keeper.table.version === 5, 5000, 'v5');
      expect(keeper.status()).toBe('ok');
      current = { t: table(4), epoch: 'e1' }; // a controller restarted from an older state
      await eventually(() => keeper.refusedOlder > 0, 5000, 'v4 refused');
      expect(keeper.table.version).toBe(5);
      current = { t: table(5, 'other'), epoch: 'e1' }; // same version, other content: refused too
      await eventually(() => keeper.refusedOlder > 1, 5000, 'v5/other refused');
      expect(keeper.table.hash).toBe('h5');
      current = { t: table(2), epoch: 'e2' }; // the controller lost its state: a new history
      await eventually(() => keeper.table.version === 2, 5000, 'epoch e2 followed');
      expect(lines.some((l) => l['event'] === 'controller_epoch_changed')).toBe(true);
      expect(lines.filter((l) => l['code'] === 'E_DNS_TABLE_OLDER').length).toBeGreaterThanOrEqual(2);
    } finally {
      keeper.stop();
    }
  });
});
