import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Controller } from './controller.js';
import { silentLogger } from './logger.js';
import { StateStore, STATE_FILE } from './state-store.js';
import { report, roundFrom, testPolicy } from './testing/fixtures.js';
import { T0 } from './testing/harness.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgesteer-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('persists after updates (debounced) and restores the same table', async () => {
    let now = T0;
    const store = new StateStore({ dir, logger: silentLogger(), debounceMs: 10 });
    expect(await store.load()).toBeUndefined();
    const a = new Controller({ policy: testPolicy(), clock: () => now });
    store.attach(a);
    a.ingestReport(report('us-east', 1, now, roundFrom('us-east', now)));
    now += 1000;
    a.ingestReport(report('eu-west', 1, now, roundFrom('eu-west', now)));
    await store.flush();
    const saved = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { table: { hash: string } };
    expect(saved.table.hash).toBe(a.table.hash);
    // No temp files left behind.
    expect(await readdir(dir)).toEqual([STATE_FILE]);

    const store2 = new StateStore({ dir, logger: silentLogger() });
    const snap = await store2.load();
    const b = new Controller({ policy: testPolicy(), clock: () => now, ...(snap ? { restore: snap } : {}) });
    expect(b.table.hash).toBe(a.table.hash);
    expect(b.observations.size).toBe(6);
  });

  it('skips the write when nothing changed', async () => {
    const now = T0;
    const store = new StateStore({ dir, logger: silentLogger(), debounceMs: 10 });
    const c = new Controller({ policy: testPolicy(), clock: () => now });
    store.attach(c);
    c.tick();
    await store.flush();
    const first = await readFile(join(dir, STATE_FILE), 'utf8');
    c.tick(); // same clock, same state
    await store.flush();
    expect(await readFile(join(dir, STATE_FILE), 'utf8')).toBe(first);
  });

  it.each([
    ['not JSON', '{"format": "edgesteer-contr'],
    ['wrong format', JSON.stringify({ format: 'something-else/9' })],
    ['state missing', JSON.stringify({ format: 'edgesteer-controller-state/1', savedAt: 1, table: {} })],
  ])('moves a corrupt file aside and starts empty (%s)', async (_name, content) => {
    await writeFile(join(dir, STATE_FILE), content);
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const store = new StateStore({ dir, logger });
    expect(await store.load()).toBeUndefined();
    const files = await readdir(dir);
    expect(files).not.toContain(STATE_FILE);
    expect(files.some((f) => f.startsWith(`${STATE_FILE}.corrupt-`))).toBe(true);
    expect(lines.some((l) => l.includes('"event":"state_corrupt"') && l.includes('E_STATE_CORRUPT'))).toBe(true);
  });

  it('logs and counts a failed write instead of throwing', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    // A regular file where the directory should be: mkdir fails.
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const c = new Controller({ policy: testPolicy(), clock: () => T0 });
    const store = new StateStore({ dir: join(blocker, 'state'), logger, metrics: c.metrics });
    store.attach(c);
    await store.flush();
    expect(lines.some((l) => l.includes('"event":"state_write_failed"'))).toBe(true);
    expect(await c.metrics.registry.metrics()).toContain('edgesteer_controller_state_writes_total{result="error"} 1');
  });
});
