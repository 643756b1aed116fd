import { describe, expect, it } from 'vitest';
import type { DashboardView } from './dashboard/hub.js';
import { REGIONS, EDGES } from './testing/fixtures.js';
import { harness } from './testing/harness.js';
import { sseReader } from './testing/sse-reader.js';

const cell = (html: string, region: string, edge: string) => {
  const m = new RegExp(`<td [^>]*data-edge="${edge}" data-region="${region}"[^>]*>`).exec(html);
  return m?.[0];
};

describe('dashboard', () => {
  it('renders the regions × edges matrix, answers, table version and timeline', async () => {
    const h = harness();
    await h.round();
    for (let i = 0; i < 2; i++) {
      h.advance(1000);
      await h.round(['use1']);
    }
    const res = await h.app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const id of ['meta', 'matrix', 'answers', 'timeline', 'banner']) expect(html).toContain(`id="${id}"`);
    for (const r of REGIONS) for (const e of EDGES) expect(cell(html, r, e), `${r}×${e}`).toBeDefined();
    expect(cell(html, 'eu-west', 'use1')).toContain('data-up="false"');
    expect(cell(html, 'eu-west', 'euw1')).toMatch(/data-up="true" data-fresh="true" data-rtt="5"/);
    expect(html).toMatch(/<th [^>]*data-edge="use1" data-verdict="down" data-drain="false"/);
    expect(html).toMatch(/data-service="cdn" data-region="us-east" data-answer="(euw1|aps1)" data-mode="ranked"/);
    expect(html).toContain(`data-version="${h.controller.table.version}"`);
    // One incident: the cause (use1 down) first, the answer it moved under it.
    expect(html).toMatch(/<li class="ev alarm" data-incident="failover"[^]*<li class="cause" data-kind="verdict" data-edge="use1" data-to="down">[^]*<li class="effect" data-kind="answer" data-service="cdn" data-region="us-east">cdn in us-east: use1 →/);
    expect(html).toContain('2 of 3 regions see it failing');
    // STATUS is the worst current condition, never OK with an edge down.
    expect(html).toMatch(/id="status" data-status="critical" data-conditions="EDGE DOWN/);
    // Hover: the edge's address and its check settings.
    expect(html).toMatch(/data-edge="use1"[^>]*title="use1 in us-east: 127\.0\.0\.11[^"]*check http:\/\/127\.0\.0\.11:18080\/healthz every 1000 ms/);
    // Route53's desired answer per region, marked not applied without a hosted zone.
    expect(html).toMatch(/data-plane="route53"[^>]*data-applied="false"/);
    expect(html).toContain('not applied: no hosted zone');
    expect(html).toMatch(/class="r53" data-service="cdn" data-region="us-east" data-primary="aps1"/);
    expect(html).toContain('<script src="/dashboard.js" defer></script>');
    h.close();
  });

  it('escapes text that comes from probes', async () => {
    const h = harness();
    const { report } = await import('./testing/fixtures.js');
    const obs = (at: number) => ({ probeRegion: 'us-east', edge: 'use1', at, ok: false, reason: 'status' as const, detail: '<img src=x onerror=alert(1)>' });
    await h.post(report('us-east', 1, h.now(), [obs(h.now())]));
    const html = await (await h.app.request('/')).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    h.close();
  });

  it('streams a view on connect and after each change (/v1/events)', async () => {
    const h = harness();
    const res = await h.app.request('/v1/events');
    const sse = sseReader(res.body!);
    const first = JSON.parse((await sse.next()).data) as DashboardView;
    expect(first.hash).toBe(h.controller.table.hash);
    expect(first.full).toBe(true);
    expect(Object.keys(first.sections).sort()).toEqual(['answers', 'banner', 'matrix', 'meta', 'planes', 'timeline']);
    expect(cell(first.sections.matrix!, 'us-east', 'use1')).toContain('data-up="unknown"');
    await h.round();
    // Frames are coalesced (50 ms): a frame may show the round half-way; the round's end follows within a few.
    let second = JSON.parse((await sse.next()).data) as DashboardView;
    for (let i = 0; i < 5 && second.hash !== h.controller.table.hash; i++) second = JSON.parse((await sse.next()).data) as DashboardView;
    expect(second.hash).toBe(h.controller.table.hash);
    // A delta: only what changed, never the whole page again.
    expect(second.full).toBe(false);
    expect(cell(second.sections.matrix!, 'us-east', 'use1')).toContain('data-up="true"');
    expect(Object.keys(second.sections).length).toBeLessThan(6);
    await sse.close();
    h.close();
  });

  it('says OK only when nothing is wrong', async () => {
    const h = harness();
    await h.round();
    h.advance(1000);
    await h.round();
    const html = await (await h.app.request('/')).text();
    expect(html).toMatch(/id="status" data-status="ok" data-conditions=""/);
    h.close();
  });

  it('serves security headers and a favicon', async () => {
    const h = harness();
    const res = await h.app.request('/');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const icon = await h.app.request('/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg/);
    h.close();
  });

  it('serves its stylesheet and script', async () => {
    const h = harness();
    const css = await h.app.request('/dashboard.css');
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect(await css.text()).toContain('td.cell.down');
    const js = await h.app.request('/dashboard.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain("new EventSource('/v1/events')");
    h.close();
  });
});
