import { describe, expect, it } from 'vitest';
import { signReport } from '@edgesteer/core';
import { report, roundFrom, signed } from './testing/fixtures.js';
import { harness, T0 } from './testing/harness.js';

/** Everything a refused report must leave untouched. */
function fingerprint(h: ReturnType<typeof harness>) {
  const c = h.controller;
  return JSON.stringify({ state: c.state, table: c.table, probes: c.probes, observations: c.observations.size, lastReportAt: c.lastReportAt });
}

describe('POST /v1/observations', () => {
  it('accepts a signed report, ingests it and decides at once', async () => {
    const h = harness();
    const before = h.controller.table;
    const res = await h.post(report('us-east', 1, T0, roundFrom('us-east', T0)));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; accepted: number; ignored: number; table: { hash: string; version: number } };
    expect(body).toMatchObject({ ok: true, accepted: 3, ignored: 0 });
    expect(body.table.hash).toBe(h.controller.table.hash);
    expect(h.controller.state.links['us-east|use1']).toMatchObject({ up: true, samples: 1, rttMs: 5 });
    expect(h.controller.probes['probe-us-east']).toMatchObject({ region: 'us-east', seq: 1 });
    // A measured RTT changes the table (RTT is part of an entry), so the hash moves.
    expect(h.controller.table.hash).not.toBe(before.hash);
    h.close();
  });

  type Bad = {
    name: string;
    status: number;
    code: string;
    reason: string;
    send: (h: ReturnType<typeof harness>) => Promise<Response>;
  };
  const good = (h: ReturnType<typeof harness>, seq = 1) => report('us-east', seq, h.now(), roundFrom('us-east', h.now()));
  const bad: Bad[] = [
    {
      name: 'unsigned',
      status: 401,
      code: 'E_AUTH_MISSING',
      reason: 'unsigned',
      send: async (h) => h.app.request('/v1/observations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good(h)) }),
    },
    { name: 'forged (wrong key)', status: 401, code: 'E_AUTH_INVALID', reason: 'bad_signature', send: (h) => h.post(good(h), { key: 'attacker-guess-0123456789abcdef' }) },
    {
      name: 'body altered after signing',
      status: 401,
      code: 'E_AUTH_INVALID',
      reason: 'bad_signature',
      send: async (h) => {
        const r = good(h);
        const s = await signed(r, h.now());
        return h.app.request('/v1/observations', { method: 'POST', headers: s.headers, body: s.body.replace('"ok":true', '"ok":false') });
      },
    },
    { name: 'unknown probe', status: 401, code: 'E_AUTH_INVALID', reason: 'unknown_probe', send: (h) => h.post({ ...good(h), probe: 'probe-mars' }, { key: 'whatever-0123456789abcdef' }) },
    {
      name: 'timestamp outside the window',
      status: 401,
      code: 'E_AUTH_INVALID',
      reason: 'stale_timestamp',
      send: async (h) => {
        const s = await signed(good(h), h.now() - 10 * 60_000);
        return h.app.request('/v1/observations', { method: 'POST', headers: s.headers, body: s.body });
      },
    },
    {
      name: 'not JSON (signed)',
      status: 400,
      code: 'E_REPORT_SCHEMA',
      reason: 'schema',
      send: async (h) => {
        const body = '{"probe":"probe-us-east", nope';
        return h.app.request('/v1/observations', { method: 'POST', headers: await signReport(body, 'secret-for-us-east-0123456789abcdef', h.now(), 'probe-us-east'), body });
      },
    },
    {
      name: 'schema violation (signed)',
      status: 400,
      code: 'E_REPORT_SCHEMA',
      reason: 'schema',
      send: (h) => {
        const r = good(h) as unknown as { observations: Array<Record<string, unknown>> };
        delete r.observations[0]!['ok'];
        r.observations[1]!['connectMs'] = -4;
        return h.post(r as never);
      },
    },
    // Row 1 of #14: the us-east key speaking for eu-west (a faked cross-region quorum).
    {
      name: 'a report for another region than its key’s',
      status: 403,
      code: 'E_REPORT_REGION_FORBIDDEN',
      reason: 'region_forbidden',
      send: (h) => h.post({ ...report('eu-west', 1, h.now(), roundFrom('eu-west', h.now(), ['euw1'])), probe: 'probe-us-east' }),
    },
    {
      name: 'observation from another region',
      status: 400,
      code: 'E_REPORT_REGION_MISMATCH',
      reason: 'region_mismatch',
      send: (h) => h.post(report('us-east', 1, h.now(), roundFrom('eu-west', h.now()))),
    },
  ];

  it.each(bad)('refuses $name with $status $code and changes nothing', async (c) => {
    const h = harness();
    await h.round(); // some state to protect
    h.advance(1000);
    const before = fingerprint(h);
    const res = await c.send(h);
    expect(res.status).toBe(c.status);
    const body = (await res.json()) as { ok: boolean; error: { code: string; reason: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe(c.code);
    expect(body.error.reason).toBe(c.reason);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(fingerprint(h)).toBe(before);
    const metrics = await h.registry.metrics();
    expect(metrics).toContain(`edgesteer_controller_reports_rejected_total{reason="${c.reason}"} 1`);
    h.close();
  });

  it('lists every zod problem of a schema violation', async () => {
    const h = harness();
    const r = good(h) as unknown as { observations: Array<Record<string, unknown>> };
    delete r.observations[0]!['ok'];
    r.observations[1]!['connectMs'] = -4;
    const res = await h.post(r as never);
    const body = (await res.json()) as { error: { problems: Array<{ path: string; message: string }> } };
    expect(body.error.problems.map((p) => p.path).sort()).toEqual(['observations.0.ok', 'observations.1.connectMs']);
    h.close();
  });

  it('refuses a replay with 409 and leaves state alone', async () => {
    const h = harness();
    const s = await signed(good(h, 7), h.now());
    const send = () => h.app.request('/v1/observations', { method: 'POST', headers: s.headers, body: s.body });
    expect((await send()).status).toBe(200);
    const before = fingerprint(h);
    const again = await send();
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('E_REPORT_REPLAY');
    // An older sequence number, freshly signed, is a replay too.
    const older = await h.post(good(h, 6));
    expect(older.status).toBe(409);
    expect(fingerprint(h)).toBe(before);
    h.close();
  });

  it('does not burn a sequence number on a refused report', async () => {
    const h = harness();
    const mismatch = await h.post(report('us-east', 5, h.now(), roundFrom('eu-west', h.now())));
    expect(mismatch.status).toBe(400);
    expect((await h.post(good(h, 5))).status).toBe(200);
    h.close();
  });

  it('refuses bodies over the limit with 413, by Content-Length and by streaming', async () => {
    const h = harness({ app: { maxBodyBytes: 4096 } });
    const before = fingerprint(h);
    const many = report('us-east', 1, h.now(), Array.from({ length: 60 }, (_, i) => roundFrom('us-east', h.now() + i)).flat());
    const byLength = await h.post(many);
    expect(byLength.status).toBe(413);
    expect(((await byLength.json()) as { error: { code: string } }).error.code).toBe('E_BODY_TOO_LARGE');
    // No Content-Length: a chunked body must be cut off while streaming.
    const s = await signed(many, h.now());
    const chunks = new TextEncoder().encode(s.body);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < chunks.length; i += 1000) c.enqueue(chunks.slice(i, i + 1000));
        c.close();
      },
    });
    const streamed = await h.app.request('/v1/observations', { method: 'POST', headers: s.headers, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(fingerprint(h)).toBe(before);
    expect(await h.registry.metrics()).toContain('edgesteer_controller_reports_rejected_total{reason="too_large"} 2');
    h.close();
  });

  it('drops observations of edges the policy does not know, keeps the rest', async () => {
    const h = harness();
    const obs = [...roundFrom('us-east', h.now()), { probeRegion: 'us-east', edge: 'gone1', at: h.now(), ok: true, connectMs: 3 }];
    const res = await h.post(report('us-east', 1, h.now(), obs));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 3, ignored: 1 });
    expect(Object.keys(h.controller.state.links)).not.toContain('us-east|gone1');
    h.close();
  });
});
