import { describe, expect, it } from 'vitest';
import type { EdgesView, HealthView } from './views.js';
import { harness } from './testing/harness.js';

/** Two rounds with `edge` failing in every region: enough for fall=2 and quorum=2. */
async function takeDown(h: ReturnType<typeof harness>, edge: string) {
  for (let i = 0; i < 2; i++) {
    h.advance(1000);
    await h.round([edge]);
  }
}

describe('GET /v1/edges', () => {
  it('shows verdict, reason, since, drain and per-region link state', async () => {
    const h = harness();
    await h.round();
    await takeDown(h, 'euw1');
    const res = await h.app.request('/v1/edges');
    expect(res.status).toBe(200);
    const view = (await res.json()) as EdgesView;
    expect(view.table.hash).toBe(h.controller.table.hash);
    expect(view.edges.map((e) => e.id)).toEqual(['use1', 'euw1', 'aps1']);
    const euw1 = view.edges.find((e) => e.id === 'euw1')!;
    expect(euw1).toMatchObject({ verdict: 'down', drain: false, region: 'eu-west', services: ['cdn'] });
    expect(euw1.reason.length).toBeGreaterThan(0);
    expect(euw1.since).toBe(h.now());
    expect(euw1.downRegions.sort()).toEqual(['ap-south', 'eu-west', 'us-east']);
    expect(euw1.regions['eu-west']).toMatchObject({ up: false, fresh: true, lastReason: 'timeout', lastDetail: 'no response in 500 ms', failStreak: 2, okStreak: 0, lastSeen: h.now() });
    // RTT memory survives failures: last measured value is still shown.
    expect(euw1.regions['eu-west']!.rttMs).toBe(5);
    const use1 = view.edges.find((e) => e.id === 'use1')!;
    expect(use1).toMatchObject({ verdict: 'up' });
    expect(use1.regions['us-east']).toMatchObject({ up: true, okStreak: 3, rttMs: 5 });
    h.close();
  });

  it('marks links stale once their data is older than staleAfterMs', async () => {
    const h = harness();
    await h.round();
    h.advance(16_000);
    const view = (await (await h.app.request('/v1/edges')).json()) as EdgesView;
    expect(view.edges.every((e) => Object.values(e.regions).every((l) => l && !l.fresh))).toBe(true);
    h.close();
  });
});

describe('GET /healthz', () => {
  it('reports table version/hash/age, policy hash and last report', async () => {
    const h = harness();
    await h.round();
    const generated = h.controller.table.generatedAt;
    h.advance(2500);
    const res = await h.app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthView;
    // The plane health contract's fields, the same shape the DNS server and the Worker publish.
    expect(body).toMatchObject({ plane: 'controller', ok: true, status: 'ok', policyHash: h.controller.table.policyHash, clientMapHash: null, lastObservationAt: generated });
    expect(body.table).toMatchObject({ generatedAt: generated });
    expect(body.table).toMatchObject({ version: h.controller.table.version, hash: h.controller.table.hash, ageMs: h.now() - generated });
    expect(body.policy.hash).toBe(h.controller.table.policyHash);
    expect(body.policy.errors).toEqual([]);
    expect(body.lastReportAgeMs).toBe(2500);
    expect(Object.keys(body.probes)).toEqual(['probe-ap-south', 'probe-eu-west', 'probe-us-east']);
    h.close();
  });

  it('shows policy load errors while the old policy keeps serving', async () => {
    const h = harness();
    const hash = h.controller.table.hash;
    h.controller.rejectPolicy(['policy.yaml:3:1 some-rule bad things (hint: fix it)']);
    const body = (await (await h.app.request('/healthz')).json()) as HealthView;
    expect(body.status).toBe('degraded');
    expect(body.policy.errors).toEqual(['policy.yaml:3:1 some-rule bad things (hint: fix it)']);
    expect(body.table.hash).toBe(hash);
    h.close();
  });
});

describe('GET /metrics', () => {
  it('exposes decisions, answer changes, table version, reports, observations, RTT, verdicts and HTTP counters', async () => {
    const h = harness();
    await h.round();
    await takeDown(h, 'use1');
    await h.app.request('/v1/observations', { method: 'POST', body: '{}' }); // unsigned → rejected
    await h.app.request('/v1/table');
    const res = await h.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const expected = [
      /^edgesteer_controller_decisions_total\{trigger="report"\} 9$/m,
      /^edgesteer_controller_decisions_total\{trigger="start"\} 1$/m,
      /^edgesteer_controller_answer_changes_total\{service="cdn",region="us-east"\} 1$/m,
      new RegExp(`^edgesteer_controller_table_version ${h.controller.table.version}$`, 'm'),
      /^edgesteer_controller_reports_accepted_total\{probe="probe-us-east"\} 3$/m,
      /^edgesteer_controller_reports_rejected_total\{reason="unsigned"\} 1$/m,
      /^edgesteer_controller_observations_total\{edge="use1",region="eu-west",ok="false"\} 2$/m,
      /^edgesteer_controller_observations_total\{edge="use1",region="eu-west",ok="true"\} 1$/m,
      /^edgesteer_controller_link_rtt_seconds\{edge="euw1",region="eu-west"\} 0\.005$/m,
      /^edgesteer_controller_edge_up\{edge="use1"\} 0$/m,
      /^edgesteer_controller_edge_up\{edge="euw1"\} 1$/m,
      /^edgesteer_controller_verdict_changes_total\{edge="use1",to="down"\} 1$/m,
      /^edgesteer_controller_http_requests_total\{method="POST",route="\/v1\/observations",status="200"\} 9$/m,
      /^edgesteer_controller_http_requests_total\{method="POST",route="\/v1\/observations",status="401"\} 1$/m,
      /^edgesteer_controller_http_requests_total\{method="GET",route="\/v1\/table",status="200"\} 1$/m,
      /^edgesteer_controller_http_request_duration_seconds_count\{method="GET",route="\/v1\/table"\} 1$/m,
    ];
    for (const re of expected) expect(text).toMatch(re);
    h.close();
  });
});

describe('admin endpoints', () => {
  it.each([
    { name: 'disabled without a token', token: undefined, auth: 'Bearer x', status: 403, code: 'E_ADMIN_DISABLED' },
    { name: 'no Authorization header', token: 'tok-123', auth: undefined, status: 401, code: 'E_ADMIN_UNAUTHORIZED' },
    { name: 'wrong token', token: 'tok-123', auth: 'Bearer tok-124', status: 401, code: 'E_ADMIN_UNAUTHORIZED' },
  ])('POST /v1/reload refuses: $name', async ({ token, auth, status, code }) => {
    let calls = 0;
    const h = harness({
      app: {
        adminToken: token,
        reload: async () => {
          calls++;
          return { result: 'unchanged' };
        },
      },
    });
    const res = await h.app.request('/v1/reload', { method: 'POST', headers: auth ? { authorization: auth } : {} });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(calls).toBe(0);
    h.close();
  });

  it('POST /v1/reload runs the reload with the right token and reports problems as 422', async () => {
    let next: 'unchanged' | 'invalid' = 'unchanged';
    const h = harness({
      app: {
        adminToken: 'tok-123',
        reload: async () => (next === 'invalid' ? { result: 'invalid', problems: ['p.yaml:1:1 rule msg'] } : { result: 'unchanged' }),
      },
    });
    const ok = await h.app.request('/v1/reload', { method: 'POST', headers: { authorization: 'Bearer tok-123' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, result: 'unchanged' });
    next = 'invalid';
    const bad = await h.app.request('/v1/reload', { method: 'POST', headers: { authorization: 'bearer tok-123' } });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'E_POLICY_INVALID', problems: ['p.yaml:1:1 rule msg'] } });
    h.close();
  });
});
