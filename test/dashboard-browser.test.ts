/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser: headless Chromium (found exactly as
 * scripts/ensure-tools.mjs finds it, via scripts/chromium.mjs) driven by
 * playwright-core opens the controller's page while `edgesteer run` runs,
 * and the same page (never reloaded) goes through every state an operator
 * must be able to tell apart, with a screenshot of each in
 * test-output/dashboard/:
 *   healthy        STATUS OK, 3 of 3 planes agree, every cell measured
 *   route53        the Route53 row: desired answer per region, not applied
 *   edge-down      STATUS not OK, the failover as one incident, cause first
 *   dns-killed     the DNS server SIGKILLed: its row red, STATUS not OK
 *   disconnected   the controller gone: the page grey, "STALE since …"
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../scripts/chromium.mjs';
import { demoEdge, startRunStack, type RunStack } from './support/run-stack.js';

const OUT = fileURLToPath(new URL('../test-output/dashboard/', import.meta.url));
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const EDGES = ['use1', 'euw1', 'aps1'];

let stack: RunStack;
let context: BrowserContext;
let page: Page;
let profile: string;

const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
const statusOf = () => page.locator('#status').getAttribute('data-status');
const pidOf = (name: string) => Number(new RegExp(`^\\s*process ${name}\\s+pid (\\d+)`, 'm').exec(stack.proc.output())?.[1]);

describe('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    // No silent skip: without Chromium this fails and says how to get it.
    const executablePath = findChromium();
    if (!executablePath) throw new Error('no Chromium found (CHROMIUM_PATH, or chromium on PATH): run `node scripts/ensure-tools.mjs --with-chromium` (npm test does) or apt-get install chromium');
    mkdirSync(OUT, { recursive: true });
    stack = await startRunStack({ octetBase: 50, readyTimeoutMs: 100_000 });
    profile = mkdtempSync(join(tmpdir(), 'edgesteer-chromium-'));
    // launchPersistentContext is how playwright takes a --user-data-dir: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 1000 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stack?.stop();
  }, 30_000);

  it('shows healthy, an edge down, a dead DNS server and its own lost connection, without a reload', async (ctx) => {
    ctx.onTestFailed(async () => {
      await shot('failed').catch(() => undefined);
      const status = await page.locator('#status').getAttribute('data-conditions').catch(() => '?');
      console.log(`[dashboard-browser] failed; STATUS conditions: ${status}; screenshot test-output/dashboard/failed.png`);
    });
    await page.goto(`${stack.controllerUrl}/`, { waitUntil: 'domcontentloaded' });
    await expect(page.title()).resolves.toContain('cdn.example.com');
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    // --- healthy
    await page.waitForFunction(() => document.body.dataset['conn'] === 'live');
    expect(await page.locator('#matrix th.edge-head[data-edge]').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')))).toEqual(EDGES);
    expect(await page.locator('#matrix tbody tr[data-region]').evaluateAll((els) => els.map((e) => e.getAttribute('data-region')))).toEqual(REGIONS);
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll<HTMLElement>('#matrix td.cell')];
      const agree = document.querySelector<HTMLElement>('#planes .agreement');
      return (
        cells.length === 9 &&
        cells.every((c) => c.dataset['up'] === 'true' && c.dataset['fresh'] === 'true' && c.dataset['rtt'] !== '') &&
        agree?.dataset['agree'] === '3' &&
        agree.dataset['total'] === '3' &&
        document.getElementById('status')?.dataset['status'] === 'ok'
      );
    }, undefined, { timeout: 30_000 });
    // Read in the page, in one go: a re-rank between two reads would show a table spreading.
    await page.waitForFunction(() => /^3 of 3 planes agree on table [0-9a-f]{12}$/.test(document.querySelector('#planes .agreement')?.textContent ?? ''));
    // Hover: the edge's address and check settings; every cell has a sparkline.
    await expect(page.locator('#matrix th.edge-head[data-edge="euw1"]').getAttribute('title')).resolves.toMatch(/euw1 in eu-west: 127\.0\.0\.52.*\ncheck http:\/\/127\.0\.0\.52:\d+\/healthz every 1000 ms, timeout 500 ms, up after 2 ok, down after 2 failed/);
    expect(await page.locator('#matrix td.cell svg.spark').count()).toBe(9);
    await expect(page.locator('#matrix .legend').textContent()).resolves.toMatch(/fails over when 2 region\(s\) agree.*stale: newest result older than 15 s/);
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,.*2ea043/);
    await shot('healthy');

    // --- the Route53 plane's row: what it should answer per region, and that nothing applies it here.
    const r53 = page.locator('#planes tr[data-plane="route53"]');
    await expect(r53.getAttribute('data-applied')).resolves.toBe('false');
    await expect(r53.textContent()).resolves.toContain('not applied: no hosted zone');
    expect(await r53.locator('.r53[data-service="cdn"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-region')}=${e.getAttribute('data-primary')}`))).toEqual(['us-east=use1', 'eu-west=euw1', 'ap-south=aps1']);
    await page.locator('#planes').screenshot({ path: join(OUT, 'route53.png') });

    // --- edge down: STATUS is not OK while it lasts; the incident shows the cause first.
    const t0 = performance.now();
    await demoEdge(stack, 'euw1', 'down');
    await page.waitForFunction(() => document.getElementById('status')?.dataset['status'] === 'critical' && (document.getElementById('status')?.dataset['conditions'] ?? '').includes('EDGE DOWN'), undefined, { timeout: 4000 });
    const pageMs = performance.now() - t0;
    expect(await page.locator('#matrix th.edge-head[data-edge="euw1"]').getAttribute('data-verdict')).toBe('down');
    await page.waitForFunction(() => document.querySelector('#answers td[data-service="cdn"][data-region="eu-west"]')?.getAttribute('data-answer') === 'use1');
    const incident = page.locator('#timeline li.ev[data-incident="failover"]').first();
    expect(await incident.locator('li').evaluateAll((els) => els.map((e) => e.className))).toEqual(expect.arrayContaining(['cause', 'effect']));
    expect(await incident.locator('li').first().getAttribute('class')).toBe('cause');
    await expect(incident.locator('li.cause').textContent()).resolves.toMatch(/^edge euw1 DOWN: \d of 3 regions see it failing/);
    await expect(incident.locator('li.effect[data-service="cdn"][data-region="eu-west"]').textContent()).resolves.toMatch(/cdn in eu-west: euw1 → use1/);
    await page.waitForFunction(() => document.querySelector('#banner li[data-condition="EDGE DOWN"]') !== null);
    await shot('edge-down');
    console.log(`[dashboard-browser] STATUS turned critical ${(pageMs / 1000).toFixed(2)} s after euw1 was taken down`);

    await demoEdge(stack, 'euw1', 'up');
    await page.waitForFunction(() => document.getElementById('status')?.dataset['status'] === 'ok', undefined, { timeout: 8000 });
    expect(await page.locator('#timeline li.ev[data-incident="recovery"]').count()).toBeGreaterThanOrEqual(1);
    await expect(page.locator('#timeline li.ev[data-incident="recovery"] li.cause').first().textContent()).resolves.toMatch(/edge euw1 UP: (all 3 regions|only)/);

    // --- the DNS server killed: its row turns red and STATUS says so.
    process.kill(pidOf('dns'), 'SIGKILL');
    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll<HTMLElement>('#planes tr[data-plane]')].find((r) => r.dataset['kind']?.startsWith('dns'));
      return row?.dataset['reachable'] === 'false' && row.classList.contains('plane-down') && document.getElementById('status')?.dataset['status'] === 'critical';
    }, undefined, { timeout: 6000 });
    await expect(page.locator('#status').getAttribute('data-conditions')).resolves.toContain('PLANE UNREACHABLE');
    const rowBg = await page.evaluate(() => {
      const th = document.querySelector('#planes tr.plane-down th');
      return th ? getComputedStyle(th).backgroundColor : 'no row';
    });
    expect(rowBg).toBe('rgb(74, 20, 22)'); // red
    await page.waitForFunction(() => /^2 of 3 planes agree/.test(document.querySelector('#planes .agreement')?.textContent ?? ''));
    await shot('dns-killed');

    // --- the page's own connection lost: grey, "STALE since".
    expect(await statusOf()).toBe('critical');
    process.kill(pidOf('controller'), 'SIGKILL');
    await page.waitForFunction(() => document.body.dataset['conn'] === 'lost', undefined, { timeout: 15_000 });
    await expect(page.locator('#stale').textContent()).resolves.toMatch(/^STALE since \d\d:\d\d:\d\d/);
    const pill = await page.locator('#status .pill').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(pill).toBe('rgb(110, 118, 129)');
    await shot('disconnected');

    // Same document throughout: every change arrived live.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  }, 150_000);
});
