import { describe, expect, it } from 'vitest';
import { decide, ingest, initialState, signReport, type Observation, type RoutingTable } from '@edgesteer/core';
import { decodeMessage, encodeQuery, ecsFromCidr, TYPE } from '@edgesteer/dns-wire';
import { createWorkerApp } from './app.js';
import { encodeBase64Url } from './base64url.js';
import { silentLogger } from './log.js';
import { MemoryStateStore } from './memory-store.js';
import { staticPolicySource } from './policy-source.js';
import type { StateStore, WorkerSnapshot } from './state-store.js';
import { observation, signedReport, testPolicy, TEST_PROBE_KEYS } from './testing/fixtures.js';

const T0 = 1_790_000_000_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;

function setup(store: StateStore = new MemoryStateStore(), maxReportBytes?: number) {
  const policy = testPolicy();
  const clock = { now: T0 };
  const { app, engine } = createWorkerApp({
    store,
    policy: staticPolicySource(policy, 'test-policy.yaml', T0),
    keys: TEST_PROBE_KEYS,
    clock: () => clock.now,
    clientAddress: () => '127.0.0.1',
    log: silentLogger(),
    ...(maxReportBytes ? { maxReportBytes } : {}),
  });
  return { app, engine, store, policy, clock };
}

type App = ReturnType<typeof setup>['app'];

const post = (app: App, body: BodyInit, headers: Record<string, string>) => app.request('/v1/observations', { method: 'POST', body, headers });

/** Two rounds of observations from every region: `down` edges time out, the rest answer with `rtt[edge]` ms. */
function round(region: string, at: number, rtt: Record<string, number>, down: string[] = []): Observation[] {
  return Object.keys(rtt).map((edge) => observation(region, edge, at, down.includes(edge) ? null : rtt[edge]!));
}

async function cdnAnswer(app: App, subnet: string): Promise<string[]> {
  const q = encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(subnet) } });
  const res = await app.request(`/dns-query?dns=${encodeBase64Url(q)}`);
  return decodeMessage(new Uint8Array(await res.arrayBuffer())).answers.map((a) => (a.data.kind === 'address' ? a.data.address : '?'));
}

async function table(app: App): Promise<RoutingTable> {
  return (await (await app.request('/v1/table')).json()) as RoutingTable;
}

describe('POST /v1/observations', () => {
  it('folds signed reports through core and answers what core decides', async () => {
    const { app, store, policy, clock } = setup();
    // ap-south's own edge is slow from every region; eu-west is fastest from everywhere.
    const rtt = { use1: 40, euw1: 5, aps1: 90 };
    let expected = initialState();
    let seq = 1;
    for (let r = 0; r < 2; r++) {
      for (const region of REGIONS) {
        clock.now += 100;
        const obs = round(region, clock.now - 50, rtt);
        const { body, headers } = await signedReport(region, seq++, obs, clock.now);
        const res = await post(app, body, headers);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ ok: true, accepted: 3, ignored: 0 });
        // The same sequence of ingest + decide, done directly with core.
        expected = decide(policy, ingest(expected, policy, obs), clock.now).state;
      }
    }
    const snap = (await store.read())!;
    expect(snap.state).toEqual(expected);
    expect(snap.stats).toMatchObject({ reports: 6, observations: 18 });
    const expectedTable = decide(policy, expected, clock.now).table;
    expect((await table(app)).hash).toBe(expectedTable.hash);
    expect(await cdnAnswer(app, '10.3.0.0/24')).toEqual(['127.0.0.12']);
  });

  it('moves answers off an edge once quorum regions see it down, and back to the fallback when all are down', async () => {
    const { app, clock } = setup();
    const rtt = { use1: 5, euw1: 5, aps1: 5 };
    let seq = 1;
    const send = async (region: string, down: string[]) => {
      clock.now += 10;
      const { body, headers } = await signedReport(region, seq++, round(region, clock.now - 5, rtt, down), clock.now);
      expect((await post(app, body, headers)).status).toBe(200);
    };
    for (let i = 0; i < 2; i++) for (const region of REGIONS) await send(region, []);
    expect(await cdnAnswer(app, '10.1.0.0/24')).toEqual(['127.0.0.11']);
    // One region alone saying use1 is down moves nothing (quorum 2).
    for (let i = 0; i < 3; i++) await send('ap-south', ['use1']);
    expect(await cdnAnswer(app, '10.1.0.0/24')).toEqual(['127.0.0.11']);
    for (let i = 0; i < 3; i++) await send('eu-west', ['use1']);
    expect(await cdnAnswer(app, '10.1.0.0/24')).not.toContain('127.0.0.11');
    // Everything down: fail-open answers the first fallback edge, never nothing.
    for (let i = 0; i < 3; i++) for (const region of REGIONS) await send(region, ['use1', 'euw1', 'aps1']);
    const t = await table(app);
    expect(t.services['cdn']!.regions['us-east']!.mode).toBe('fallback');
    expect(await cdnAnswer(app, '10.1.0.0/24')).toEqual(['127.0.0.11']);
    expect(t.services['vault']!.regions['ap-south']!.mode).toBe('closed');
    // Fail-closed with nothing up: /steer has nowhere to send the client.
    const steer = await app.request('/steer/vault');
    expect(steer.status).toBe(503);
    expect(((await steer.json()) as { error: { code: string } }).error.code).toBe('E_STEER_NO_EDGE');
    const json = (await (await app.request('/steer/vault?format=json')).json()) as { edge: unknown; mode: string };
    expect(json).toMatchObject({ edge: null, mode: 'closed' });
  });

  // Row 2 of #14: a report signed inside the window but stamped ahead used to be folded in
  // (no clock passed to ingest), pinning the link so later real observations looked old.
  it('ignores an observation stamped ahead of the Worker clock, counts it as ignored, and keeps taking real ones', async () => {
    const { app, clock } = setup();
    const ahead = clock.now + 200_000;
    const future = await signedReport('eu-west', 1, [observation('eu-west', 'euw1', ahead + 5_000, null)], ahead);
    expect(await (await post(app, future.body, future.headers)).json()).toMatchObject({ ok: true, accepted: 0, ignored: 1 });
    const real = await signedReport('eu-west', 2, [observation('eu-west', 'euw1', clock.now, 4)], clock.now);
    expect(await (await post(app, real.body, real.headers)).json()).toMatchObject({ ok: true, accepted: 1, ignored: 0 });
  });

  it('drops observations of edges the policy does not know, and says so', async () => {
    const { app, clock } = setup();
    const obs = [observation('eu-west', 'euw1', clock.now, 4), observation('eu-west', 'gone-edge', clock.now, 4)];
    const { body, headers } = await signedReport('eu-west', 1, obs, clock.now);
    const res = await post(app, body, headers);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1, ignored: 1 });
  });
});

describe('POST /v1/observations rejections leave the state untouched', () => {
  /** Sends one good report, then the bad request; checks status, code and that nothing moved. */
  async function rejected(make: (ctx: { now: number; good: { body: string; headers: Record<string, string> } }) => Promise<{ body: BodyInit; headers: Record<string, string> }>, status: number, code: string, maxReportBytes?: number) {
    const { app, store, clock } = setup(new MemoryStateStore(), maxReportBytes);
    const good = await signedReport('eu-west', 10, [observation('eu-west', 'euw1', clock.now, 3)], clock.now);
    expect((await post(app, good.body, good.headers)).status).toBe(200);
    // A deep copy: the store hands out its own object, and a rejection must not have touched it either.
    const before: WorkerSnapshot | null = structuredClone(await store.read());
    const tableBefore = await table(app);
    const bad = await make({ now: clock.now, good });
    const res = await post(app, bad.body, bad.headers);
    expect(res.status).toBe(status);
    const err = ((await res.json()) as { ok: boolean; error: { code: string; message: string; reason: string } });
    expect(err.ok).toBe(false);
    expect(err.error.code).toBe(code);
    expect(err.error.message.length).toBeGreaterThan(10);
    expect(await store.read()).toEqual(before);
    expect((await table(app)).hash).toBe(tableBefore.hash);
    return err.error;
  }

  const obs = (now: number) => [observation('eu-west', 'euw1', now, 999)];

  it('unsigned → 401 E_AUTH_MISSING', async () => {
    await rejected(async ({ now }) => ({ body: JSON.stringify({ probe: 'eu-west-probe', region: 'eu-west', seq: 11, sentAt: now, observations: obs(now) }), headers: { 'content-type': 'application/json' } }), 401, 'E_AUTH_MISSING');
  });

  it('forged signature → 401 E_AUTH_INVALID', async () => {
    const e = await rejected(async ({ now }) => {
      const r = await signedReport('eu-west', 11, obs(now), now);
      return { body: r.body, headers: { ...r.headers, 'x-edgesteer-signature': `v1=${'ab'.repeat(32)}` } };
    }, 401, 'E_AUTH_INVALID');
    expect(e.reason).toBe('bad_signature');
  });

  it('body changed after signing → 401 E_AUTH_INVALID', async () => {
    await rejected(async ({ now }) => {
      const r = await signedReport('eu-west', 11, obs(now), now);
      return { body: r.body.replace('999', '998'), headers: r.headers };
    }, 401, 'E_AUTH_INVALID');
  });

  it('signed with another probe’s key → 401 E_AUTH_INVALID', async () => {
    await rejected(async ({ now }) => {
      const body = JSON.stringify({ probe: 'eu-west-probe', region: 'eu-west', seq: 11, sentAt: now, observations: obs(now) });
      return { body, headers: await signReport(body, TEST_PROBE_KEYS.get('us-east-probe')!.secrets[0]!, now, 'eu-west-probe') };
    }, 401, 'E_AUTH_INVALID');
  });

  it('unknown probe → 401 E_AUTH_INVALID', async () => {
    const e = await rejected(async ({ now }) => {
      const body = JSON.stringify({ probe: 'mallory', region: 'eu-west', seq: 11, sentAt: now, observations: obs(now) });
      return { body, headers: await signReport(body, 'mallory-secret-0123456789abcdef', now) };
    }, 401, 'E_AUTH_INVALID');
    expect(e.reason).toBe('unknown_probe');
  });

  it('timestamp outside the window → 401 E_AUTH_INVALID', async () => {
    const e = await rejected(async ({ now }) => signedReport('eu-west', 11, obs(now), now - 301_000), 401, 'E_AUTH_INVALID');
    expect(e.reason).toBe('stale_timestamp');
  });

  it('replayed report (same signed request again) → 409 E_REPORT_REPLAY', async () => {
    await rejected(async ({ good }) => good, 409, 'E_REPORT_REPLAY');
  });

  it('older seq, freshly signed → 409 E_REPORT_REPLAY', async () => {
    await rejected(async ({ now }) => signedReport('eu-west', 9, obs(now), now), 409, 'E_REPORT_REPLAY');
  });

  it('signed but not a report → 400 E_REPORT_SCHEMA with the problems', async () => {
    const e = await rejected(async ({ now }) => {
      const body = JSON.stringify({ probe: 'eu-west-probe', region: 'eu-west', seq: 'eleven', sentAt: now, observations: [{ edge: 'euw1' }] });
      return { body, headers: await signReport(body, TEST_PROBE_KEYS.get('eu-west-probe')!.secrets[0]!, now) };
    }, 400, 'E_REPORT_SCHEMA');
    expect((e as { problems?: Array<{ path: string }> }).problems?.map((p) => p.path)).toContain('seq');
  });

  it('signed but not JSON → 400 E_REPORT_SCHEMA', async () => {
    await rejected(async ({ now }) => {
      const body = '{"probe":"eu-west-probe", nope';
      return { body, headers: await signReport(body, TEST_PROBE_KEYS.get('eu-west-probe')!.secrets[0]!, now, 'eu-west-probe') };
    }, 400, 'E_REPORT_SCHEMA');
  });

  it('a report for another region than its key’s (a faked cross-region quorum) → 403 E_REPORT_REGION_FORBIDDEN', async () => {
    const e = await rejected(async ({ now }) => {
      const body = JSON.stringify({ probe: 'eu-west-probe', region: 'us-east', seq: 11, sentAt: now, observations: [observation('us-east', 'use1', now, null)] });
      return { body, headers: await signReport(body, TEST_PROBE_KEYS.get('eu-west-probe')!.secrets[0]!, now) };
    }, 403, 'E_REPORT_REGION_FORBIDDEN');
    expect(e.reason).toBe('region_forbidden');
  });

  it('an observation claiming another region → 400 E_REPORT_REGION_MISMATCH', async () => {
    await rejected(async ({ now }) => signedReport('eu-west', 11, [observation('us-east', 'use1', now, null)], now), 400, 'E_REPORT_REGION_MISMATCH');
  });

  it('too big → 413 E_BODY_TOO_LARGE', async () => {
    await rejected(async ({ now }) => {
      const many = Array.from({ length: 200 }, () => observation('eu-west', 'euw1', now, 999));
      return signedReport('eu-west', 11, many, now);
    }, 413, 'E_BODY_TOO_LARGE', 4096);
  });

  it('not UTF-8 → 400 E_REPORT_SCHEMA', async () => {
    await rejected(
      async ({ now }) => ({
        body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        headers: { 'content-type': 'application/json', 'x-edgesteer-probe': 'eu-west-probe', 'x-edgesteer-timestamp': String(now), 'x-edgesteer-signature': `v1=${'ab'.repeat(32)}` },
      }),
      400,
      'E_REPORT_SCHEMA',
    );
  });
});

describe('state under concurrent writers', () => {
  /** A store whose reads take a while to come back, so concurrent ingests read the same revision and compare-and-set must retry. */
  class SlowStore extends MemoryStateStore {
    conflicts = 0;
    override async read() {
      const value = await super.read();
      await new Promise((r) => setTimeout(r, 25));
      return value;
    }
    override async compareAndSet(expected: number | null, next: WorkerSnapshot) {
      const ok = await super.compareAndSet(expected, next);
      if (!ok) this.conflicts++;
      return ok;
    }
  }

  it('every concurrent report lands exactly once', async () => {
    const store = new SlowStore();
    const { app, clock } = setup(store);
    const reports = await Promise.all(REGIONS.map((region, i) => signedReport(region, 100 + i, [observation(region, 'euw1', clock.now, 3 + i)], clock.now)));
    const results = await Promise.all(reports.map((r) => post(app, r.body, r.headers)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const snap = (await store.read())!;
    expect(snap.stats.reports).toBe(3);
    expect(Object.keys(snap.state.links).sort()).toEqual(['ap-south|euw1', 'eu-west|euw1', 'us-east|euw1']);
    expect(Object.keys(snap.replay).sort()).toEqual(['ap-south-probe', 'eu-west-probe', 'us-east-probe']);
    expect(store.conflicts).toBeGreaterThan(0);
    // Replaying any of them now fails, whichever isolate would see it.
    expect((await post(app, reports[1]!.body, reports[1]!.headers)).status).toBe(409);
  });
});

describe('time-driven decisions', () => {
  it('re-decides when the table is older than refreshMs, and keeps the last verdict when data goes stale', async () => {
    const { app, clock, policy } = setup();
    let seq = 1;
    for (let i = 0; i < 3; i++) {
      for (const region of REGIONS) {
        clock.now += 10;
        const { body, headers } = await signedReport(region, seq++, round(region, clock.now, { use1: 5, euw1: 5, aps1: 5 }, ['euw1']), clock.now);
        expect((await post(app, body, headers)).status).toBe(200);
      }
    }
    const t1 = await table(app);
    expect(t1.edges['euw1']!.up).toBe(false);
    clock.now += policy.health.staleAfterMs + 5000;
    const t2 = await table(app);
    expect(t2.generatedAt).toBe(clock.now);
    // No fresh data at all: fail-static keeps euw1 down instead of flipping it.
    expect(t2.edges['euw1']!.up).toBe(false);
    expect(t2.hash).toBe(t1.hash);
  });
});
