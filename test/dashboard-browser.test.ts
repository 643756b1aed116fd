/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) opens the controller's page while `edgesteer run` runs,
 * sees the regions × edges matrix fill in from the probes, takes an edge
 * down with the demo control and watches the same page (no reload) turn the
 * edge's cells down, move the answers and add failover entries to the
 * timeline. Screenshots before and after go to test-output/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEdge, startRunStack, type DemoEdgeId, type RunStack } from './support/run-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const EDGES = ['use1', 'euw1', 'aps1'];

let stack: RunStack;
let context: BrowserContext;
let page: Page;
let profile: string;

describe.skipIf(!existsSync(CHROMIUM))('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    stack = await startRunStack({ octetBase: 50 });
    profile = mkdtempSync(join(tmpdir(), 'edgesteer-chromium-'));
    // launchPersistentContext is how playwright takes a --user-data-dir: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 960 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    const code = await stack?.stop();
    expect(code).toBe(0);
  }, 30_000);

  it('shows the live matrix, then the failover of an edge taken down, without a reload', async (ctx) => {
    ctx.onTestFailed(async () => {
      await page.screenshot({ path: join(OUT, 'dashboard-failed.png'), fullPage: true }).catch(() => undefined);
      const answers = await page.locator('#answers td[data-service]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-service')}/${e.getAttribute('data-region')}=${e.getAttribute('data-answer')}`)).catch(() => []);
      console.log(`[dashboard-browser] failed; answers on the page: ${answers.join(' ')}; screenshot test-output/dashboard-failed.png`);
    });
    await page.goto(`${stack.controllerUrl}/`, { waitUntil: 'domcontentloaded' });
    await expect(page.title()).resolves.toContain('cdn.example.com');

    // The matrix: one row per region, one header per edge, one cell per pair.
    await page.waitForFunction(() => document.getElementById('conn')?.dataset['state'] === 'live');
    expect(await page.locator('#matrix th.edge-head[data-edge]').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')))).toEqual(EDGES);
    expect(await page.locator('#matrix tbody tr[data-region]').evaluateAll((els) => els.map((e) => e.getAttribute('data-region')))).toEqual(REGIONS);

    // Every cell fills in from the probes' reports, pushed over SSE.
    await page.waitForFunction(
      () => {
        const cells = [...document.querySelectorAll<HTMLElement>('#matrix td.cell')];
        return cells.length === 9 && cells.every((c) => c.dataset['up'] === 'true' && c.dataset['fresh'] === 'true' && c.dataset['rtt'] !== '');
      },
      undefined,
      { timeout: 30_000 },
    );
    // Every answer cell names an edge of the policy.
    const answerOf = async (region: string) => (await page.locator(`#answers td[data-service="cdn"][data-region="${region}"]`).getAttribute('data-answer')) ?? '';
    for (const r of REGIONS) expect(EDGES).toContain(await answerOf(r));
    // The edge eu-west is answered with is the one to take down; the ★ marks it in the matrix.
    const victim = await answerOf('eu-west');
    expect(await page.locator(`#matrix td.cell.chosen[data-region="eu-west"][data-edge="${victim}"]`).count()).toBe(1);
    const rtts = await page.locator('#matrix td.cell').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-rtt'))));
    expect(rtts.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    // The heat map is measured data: from eu-west, its own edge is nearer than ap-south's (simulated distance).
    await page.waitForFunction(() => {
      const rtt = (e: string) => Number(document.querySelector(`#matrix td.cell[data-region="eu-west"][data-edge="${e}"]`)?.getAttribute('data-rtt'));
      return rtt('euw1') < rtt('aps1');
    }, undefined, { timeout: 20_000 });

    const versionBefore = Number(await page.locator('body').getAttribute('data-table-version'));
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await page.screenshot({ path: join(OUT, 'dashboard-before.png'), fullPage: true });

    const t0 = performance.now();
    await demoEdge(stack, victim as DemoEdgeId, 'down');

    // The edge's cells turn down in the regions that see it, the verdict flips, the answers move…
    await page.waitForFunction((e) => document.querySelector<HTMLElement>(`#matrix th.edge-head[data-edge="${e}"]`)?.dataset['verdict'] === 'down', victim, { timeout: 30_000 });
    const pageMs = performance.now() - t0;
    const downCells = await page.locator(`#matrix td.cell[data-edge="${victim}"][data-up="false"]`).count();
    expect(downCells).toBeGreaterThanOrEqual(2); // quorum: 2 regions
    await page.waitForFunction(
      (e) => [...document.querySelectorAll<HTMLElement>('#answers td[data-service="cdn"]')].every((c) => !(c.dataset['answer'] ?? '').split(',').includes(e)),
      victim,
      { timeout: 10_000 },
    );
    const replacement = await answerOf('eu-west');
    expect(EDGES.filter((e) => e !== victim)).toContain(replacement);
    // …and the timeline says what happened and why.
    const verdictEv = page.locator('#timeline li.ev[data-kind="verdict"]', { hasText: victim }).first();
    await expect(verdictEv.textContent()).resolves.toMatch(new RegExp(`${victim}\\s+DOWN`));
    expect(await page.locator('#timeline li.ev[data-kind="answer"]', { hasText: `cdn in eu-west: ${victim} → ${replacement}` }).count()).toBeGreaterThanOrEqual(1);

    expect(Number(await page.locator('body').getAttribute('data-table-version'))).toBeGreaterThan(versionBefore);
    // Same document: the page changed live over SSE, it was not reloaded.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    console.log(`[dashboard-browser] the page showed ${victim} DOWN ${(pageMs / 1000).toFixed(2)} s after the demo control took it down`);
    await page.screenshot({ path: join(OUT, 'dashboard-after.png'), fullPage: true });

    await demoEdge(stack, victim as DemoEdgeId, 'up');
    await page.waitForFunction((e) => document.querySelector<HTMLElement>(`#matrix th.edge-head[data-edge="${e}"]`)?.dataset['verdict'] === 'up', victim, { timeout: 30_000 });
    await page.screenshot({ path: join(OUT, 'dashboard-recovered.png'), fullPage: true });
  }, 120_000);
});
