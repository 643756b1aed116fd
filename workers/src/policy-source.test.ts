import { describe, expect, it } from 'vitest';
import { createWorkerApp } from './app.js';
import { silentLogger } from './log.js';
import { MemoryStateStore } from './memory-store.js';
import { bundledPolicySource, urlPolicySource } from './policy-source.js';
import { TEST_POLICY_YAML, TEST_PROBE_KEYS } from './testing/fixtures.js';

/** A fetch that answers from a script of responses (or throws), recording the calls. */
function scriptedFetch(script: Array<Response | Error>) {
  const calls: string[] = [];
  const f = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const next = script.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { f, calls };
}

describe('urlPolicySource', () => {
  it('fetches, caches for the TTL, refetches, and keeps the last good copy on failure or invalid text', async () => {
    const clock = { now: 1000 };
    const { f, calls } = scriptedFetch([
      new Response(TEST_POLICY_YAML),
      new Response('oops', { status: 503 }),
      new Response(TEST_POLICY_YAML.replace('quorum: 2', 'quorum: 0')),
      new Response(TEST_POLICY_YAML.replace('answers: 1\n    ttl: 30', 'answers: 1\n    ttl: 45')),
    ]);
    const src = urlPolicySource({ url: 'http://127.0.0.1:9/policy.yaml', ttlMs: 60_000, fetch: f, now: () => clock.now });
    const first = await src.get();
    expect(first.policy.services.find((s) => s.id === 'cdn')!.ttl).toBe(30);
    expect(first.source).toBe('http://127.0.0.1:9/policy.yaml');
    clock.now += 59_000;
    expect(await src.get()).toBe(first);
    expect(calls).toHaveLength(1);

    clock.now += 2_000;
    expect(await src.get()).toBe(first);
    expect(src.lastError()).toMatch(/HTTP 503/);
    clock.now += 61_000;
    expect(await src.get()).toBe(first);
    expect(src.lastError()).toMatch(/invalid.*quorum/);
    clock.now += 61_000;
    const fresh = await src.get();
    expect(fresh.policy.services.find((s) => s.id === 'cdn')!.ttl).toBe(45);
    expect(src.lastError()).toBeUndefined();
    expect(calls).toHaveLength(4);
  });

  it('with no good copy yet, the Worker answers 503 E_POLICY_UNAVAILABLE and retries on the next request', async () => {
    const { f, calls } = scriptedFetch([new Error('connect ECONNREFUSED'), new Response(TEST_POLICY_YAML)]);
    const { app } = createWorkerApp({
      store: new MemoryStateStore(),
      policy: urlPolicySource({ url: 'http://127.0.0.1:9/policy.yaml', fetch: f, now: () => 0 }),
      keys: TEST_PROBE_KEYS,
      clientAddress: () => undefined,
      log: silentLogger(),
    });
    const down = await app.request('/healthz');
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'E_POLICY_UNAVAILABLE', message: expect.stringMatching(/ECONNREFUSED/) as string });
    expect((await app.request('/healthz')).status).toBe(200);
    expect(calls).toHaveLength(2);
  });
});

describe('bundledPolicySource', () => {
  it('validates the bundled text once per isolate and names its file', async () => {
    const src = bundledPolicySource({ file: 'config/policy.yaml', text: TEST_POLICY_YAML }, () => 5);
    const a = await src.get();
    expect(a).toBe(await src.get());
    expect(a.source).toBe('bundled:config/policy.yaml');
    const bad = bundledPolicySource({ file: 'bad.yaml', text: 'version: 2' }, () => 5);
    await expect(bad.get()).rejects.toMatchObject({ code: 'E_POLICY_UNAVAILABLE', message: expect.stringMatching(/^policy bad\.yaml is invalid/) as string });
  });
});
