import { describe, expect, it } from 'vitest';
import { Controller } from './controller.js';
import { parseSnapshot } from './snapshot.js';
import { report, roundFrom, testPolicy, REGIONS } from './testing/fixtures.js';
import { T0 } from './testing/harness.js';

/** A scripted incident: measurements, then euw1 fails everywhere, then comes back. */
function script(): Array<{ at: number; region: string; down: string[] }> {
  const steps: Array<{ at: number; region: string; down: string[] }> = [];
  for (let i = 0; i < 8; i++) {
    const down = i >= 2 && i < 5 ? ['euw1'] : [];
    for (const region of REGIONS) steps.push({ at: T0 + i * 1000, region, down });
  }
  return steps;
}

function replay(c: Controller, setNow: (t: number) => void): void {
  let seq = 0;
  for (const s of script()) {
    setNow(s.at);
    c.ingestReport(report(s.region, ++seq, s.at, roundFrom(s.region, s.at, s.down)));
  }
}

describe('Controller', () => {
  it('two controllers fed the same reports produce the same table hash at every step', () => {
    let nowA = T0;
    let nowB = T0;
    const a = new Controller({ policy: testPolicy(), clock: () => nowA });
    const b = new Controller({ policy: testPolicy(), clock: () => nowB });
    const hashesA: string[] = [];
    const hashesB: string[] = [];
    a.onTable((t) => hashesA.push(t.hash));
    b.onTable((t) => hashesB.push(t.hash));
    replay(a, (t) => (nowA = t));
    // B ticks in between (as a real controller would): ticks must not change the outcome.
    let seq = 0;
    for (const s of script()) {
      nowB = s.at;
      b.tick();
      b.ingestReport(report(s.region, ++seq, s.at, roundFrom(s.region, s.at, s.down)));
    }
    expect(hashesA.length).toBeGreaterThan(2);
    expect(hashesB).toEqual(hashesA);
    expect(b.table.hash).toBe(a.table.hash);
    expect(b.table.version).toBe(a.table.version);
  });

  it('records verdict flips and answer changes with reasons on the timeline', () => {
    let now = T0;
    const c = new Controller({ policy: testPolicy(), clock: () => now });
    replay(c, (t) => (now = t));
    const events = c.timeline.toArray();
    const verdicts = events.filter((e) => e.kind === 'verdict');
    expect(verdicts.map((v) => v.kind === 'verdict' && `${v.edge}:${v.to}`)).toEqual(['euw1:down', 'euw1:up']);
    const euFailover = events.find((e) => e.kind === 'answer' && e.region === 'eu-west' && e.from[0] === 'euw1');
    expect(euFailover).toBeDefined();
    expect(euFailover!.kind === 'answer' && euFailover!.reason).toMatch(/^euw1 down/);
    const euBack = events.find((e) => e.kind === 'answer' && e.region === 'eu-west' && e.to[0] === 'euw1' && e.at > euFailover!.at);
    expect(euBack).toBeDefined();
  });

  it('a snapshot restores to the same table hash, version and history', () => {
    let now = T0;
    const a = new Controller({ policy: testPolicy(), clock: () => now });
    replay(a, (t) => (now = t));
    const saved = parseSnapshot(JSON.parse(JSON.stringify(a.snapshot())), 'mem');
    now += 5000; // restart takes a while, data still fresh
    const b = new Controller({ policy: testPolicy(), clock: () => now, restore: saved });
    expect(b.table.hash).toBe(a.table.hash);
    expect(b.table.version).toBe(a.table.version);
    expect(b.table.generatedAt).toBe(a.table.generatedAt);
    expect(b.timeline.size).toBe(a.timeline.size);
    expect(b.probes).toEqual(a.probes);
  });

  it('fail-static: with all data stale the verdicts and table stay', () => {
    let now = T0;
    const c = new Controller({ policy: testPolicy(), clock: () => now });
    let seq = 0;
    for (let i = 0; i < 3; i++) {
      now = T0 + i * 1000;
      for (const r of REGIONS) c.ingestReport(report(r, ++seq, now, roundFrom(r, now, ['aps1'])));
    }
    expect(c.table.edges['aps1']?.up).toBe(false);
    const hash = c.table.hash;
    now += 60_000;
    c.tick();
    expect(c.table.edges['aps1']?.up).toBe(false);
    expect(c.table.hash).toBe(hash);
  });

  it('applyPolicy decides at once with the new policy (drain)', () => {
    let now = T0;
    const c = new Controller({ policy: testPolicy(), clock: () => now });
    replay(c, (t) => (now = t));
    expect(c.table.services['cdn']?.regions['eu-west']?.answer).toEqual(['euw1']);
    const drained = testPolicy();
    drained.edges.find((e) => e.id === 'euw1')!.drain = true;
    c.applyPolicy(drained);
    expect(c.table.edges['euw1']).toMatchObject({ drain: true });
    expect(c.table.services['cdn']?.regions['eu-west']?.answer).not.toEqual(['euw1']);
    const change = c.timeline.newest(5).find((e) => e.kind === 'answer' && e.region === 'eu-west');
    expect(change && change.kind === 'answer' && change.reason).toBe('euw1 drained');
    expect(c.timeline.newest(1)[0]).toMatchObject({ kind: 'policy', result: 'applied' });
  });

  it('waitForTableChange resolves on change, on timeout and on abort', async () => {
    let now = T0;
    const c = new Controller({ policy: testPolicy(), clock: () => now });
    const hash = c.table.hash;
    expect(await c.waitForTableChange(hash, 10)).toBeUndefined();
    const ac = new AbortController();
    const aborted = c.waitForTableChange(hash, 10_000, ac.signal);
    ac.abort();
    expect(await aborted).toBeUndefined();
    const changed = c.waitForTableChange(hash, 10_000);
    c.ingestReport(report('us-east', 1, now, roundFrom('us-east', now)));
    expect((await changed)?.hash).toBe(c.table.hash);
    expect(await c.waitForTableChange('something-else', 10_000)).toBe(c.table);
  });
});
