/**
 * Hot reload across the whole group: `edgesteer run` on a temp copy of
 * config/policy.yaml; the file is edited while everything runs.
 *
 * - A valid change (a service TTL, then draining an edge) reaches every
 *   plane — the controller's table, the DNS server (dig) and the Worker
 *   (DoH) — and the time from the write to each plane answering from the new
 *   policy is measured and printed. Target: within a second.
 * - An invalid change is logged with its problems (file:line:col) by every
 *   process that reads the policy, the controller reports itself degraded,
 *   and every plane keeps answering from the last good policy; fixing the
 *   file clears it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digRaw } from './support/dns-dig.js';
import { sleep } from './support/processes.js';
import { startRunStack, type RunStack } from './support/run-stack.js';

const NAME = 'cdn.example.com';
const EU = '10.2.5.0/24';

let stack: RunStack;
let original: string;

/** Answers (address, TTL) of `dig +noall +answer`; empty on failure. */
async function answers(args: string[]): Promise<Array<{ ip: string; ttl: number }>> {
  try {
    const out = await digRaw([...args, NAME, 'A', `+subnet=${EU}`, '+noall', '+answer', '+time=1', '+tries=1']);
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 5 && f[3] === 'A')
      .map((f) => ({ ip: f[4]!, ttl: Number(f[1]) }));
  } catch {
    return [];
  }
}
const viaDns = () => answers(['@127.0.0.1', '-p', String(stack.ports.dns)]);
const viaDoh = () => answers(['@127.0.0.1', '-p', String(stack.ports.worker), '+http-plain-get']);

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return (await res.json()) as T;
}
interface Health {
  status: string;
  policy: { hash: string; errors: string[] };
  table: { hash: string; version: number };
}
interface Table {
  hash: string;
  policyHash: string;
  services: Record<string, { regions: Record<string, { answer: string[] }> }>;
}

/** Polls `check` every 25 ms until it holds; resolves with the ms since `t0`. */
async function timeUntil(t0: number, what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await sleep(25);
  }
  return performance.now() - t0;
}

/** Writes the policy file and measures, in parallel, when each plane shows the change. */
async function applyAndMeasure(text: string, planes: Record<string, () => Promise<boolean>>): Promise<Record<string, number>> {
  const t0 = performance.now();
  writeFileSync(stack.policyFile, text);
  const names = Object.keys(planes);
  const times = await Promise.all(names.map((n) => timeUntil(t0, n, planes[n]!)));
  return Object.fromEntries(names.map((n, i) => [n, Math.round(times[i]!)]));
}

const fmt = (t: Record<string, number>) => Object.entries(t).map(([k, v]) => `${k} ${v} ms`).join(', ');

describe('hot reload of the policy under `edgesteer run`', () => {
  beforeAll(async () => {
    stack = await startRunStack({ octetBase: 80 });
    original = readFileSync(stack.policyFile, 'utf8');
  }, 60_000);

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  }, 30_000);

  it('a valid change applies on every plane, within a second of the write', async () => {
    // Settled: both planes answer eu-west clients with TTL 30 (the file's).
    await timeUntil(performance.now(), 'initial answers', async () => {
      const [d, h] = await Promise.all([viaDns(), viaDoh()]);
      return d[0]?.ttl === 30 && h[0]?.ttl === 30;
    });
    const before = await json<Health>(`${stack.controllerUrl}/healthz`);

    // 1. A service TTL.
    const ttlText = original.replace('ttl: 30 # seconds; short', 'ttl: 17 # seconds; short');
    expect(ttlText).not.toBe(original);
    const ttl = await applyAndMeasure(ttlText, {
      controller: async () => (await json<Health>(`${stack.controllerUrl}/healthz`)).policy.hash !== before.policy.hash,
      dns: async () => (await viaDns())[0]?.ttl === 17,
      worker: async () => (await viaDoh())[0]?.ttl === 17,
    });
    console.log(`[hot-reload] TTL 30 → 17 applied: ${fmt(ttl)} after the write`);

    // 2. Drain the edge eu-west is answered with: every plane stops answering it.
    const table = await json<Table>(`${stack.controllerUrl}/v1/table`);
    const victim = table.services['cdn']!.regions['eu-west']!.answer[0]!;
    const victimIp = stack.edgeIp[victim as keyof RunStack['edgeIp']];
    const marker = `  - id: ${victim}\n`;
    expect(ttlText).toContain(marker);
    const drainText = ttlText.replace(marker, `${marker}    drain: true\n`);
    const drain = await applyAndMeasure(drainText, {
      controller: async () => !(await json<Table>(`${stack.controllerUrl}/v1/table`)).services['cdn']!.regions['eu-west']!.answer.includes(victim),
      dns: async () => {
        const a = await viaDns();
        return a.length > 0 && !a.some((x) => x.ip === victimIp);
      },
      worker: async () => {
        const a = await viaDoh();
        return a.length > 0 && !a.some((x) => x.ip === victimIp);
      },
    });
    console.log(`[hot-reload] drain ${victim} applied: ${fmt(drain)} after the write`);

    const worst = Math.max(...Object.values(ttl), ...Object.values(drain));
    console.log(`[hot-reload] slowest plane: ${worst} ms (target: within 1000 ms)`);
    // README claims "within a second": the bound is 2× the claim, no more.
    expect(worst).toBeLessThan(2000);
    const after = await json<Health>(`${stack.controllerUrl}/healthz`);
    expect(after.status).toBe('ok');
  }, 60_000);

  it('an invalid change is logged with its problems and the old policy keeps serving everywhere', async () => {
    const good = readFileSync(stack.policyFile, 'utf8');
    const goodHealth = await json<Health>(`${stack.controllerUrl}/healthz`);
    const goodTable = await json<Table>(`${stack.controllerUrl}/v1/table`);
    const [goodDns, goodDoh] = await Promise.all([viaDns(), viaDoh()]);
    expect(goodDns.length).toBe(1);

    // Two problems: a service naming an edge that does not exist, and a negative TTL.
    const bad = good.replace('edges: [use1, euw1, aps1]', 'edges: [use1, euw1, aps1, nowhere1]').replace('ttl: 20', 'ttl: -5');
    expect(bad).not.toBe(good);
    writeFileSync(stack.policyFile, bad);

    const t0 = performance.now();
    await timeUntil(t0, 'controller degraded', async () => (await json<Health>(`${stack.controllerUrl}/healthz`)).status === 'degraded');
    const degraded = await json<Health>(`${stack.controllerUrl}/healthz`);
    expect(degraded.policy.errors.join('\n')).toMatch(/nowhere1/);
    expect(degraded.policy.errors.join('\n')).toMatch(/ttl/i);
    expect(degraded.policy.hash).toBe(goodHealth.policy.hash);

    // Every process that reads the policy logs the rejection with the problems' positions.
    const logOf = (name: string) => readFileSync(join(stack.dir, 'state', 'logs', `${name}.log`), 'utf8');
    await timeUntil(t0, 'rejections logged', async () => ['controller', 'dns', 'worker'].every((n) => logOf(n).includes('nowhere1')));
    for (const name of ['controller', 'dns', 'worker']) {
      expect(logOf(name), name).toMatch(/policy\.yaml:\d+:\d+/);
    }

    // The old policy keeps serving: same table, same answers (TTL included) on DNS and DoH.
    await sleep(1500);
    const [dnsNow, dohNow] = await Promise.all([viaDns(), viaDoh()]);
    expect(dnsNow).toEqual(goodDns);
    expect(dohNow).toEqual(goodDoh);
    const tableNow = await json<Table>(`${stack.controllerUrl}/v1/table`);
    expect(tableNow.policyHash).toBe(goodTable.policyHash);
    expect(tableNow.services['cdn']!.regions['eu-west']!.answer).toEqual(goodTable.services['cdn']!.regions['eu-west']!.answer);

    // Fixing the file clears the degraded state.
    writeFileSync(stack.policyFile, original);
    await timeUntil(performance.now(), 'controller ok again', async () => (await json<Health>(`${stack.controllerUrl}/healthz`)).status === 'ok');
    await timeUntil(performance.now(), 'TTL 30 back on DNS and DoH', async () => (await viaDns())[0]?.ttl === 30 && (await viaDoh())[0]?.ttl === 30);
  }, 60_000);
});
