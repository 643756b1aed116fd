import { describe, expect, it } from 'vitest';
import {
  PROBE_HEADER,
  ReplayGuard,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  hmacSha256Hex,
  signReport,
  timingSafeEqualBytes,
  verifyReport,
  type ReportKey,
} from './report-auth.js';
import type { Report } from './types.js';

const KEY = 'k-eu-0123456789abcdef';
const NOW = 1_750_000_000_000;

function report(seq: number, probe = 'eu'): Report {
  return {
    probe,
    region: 'eu',
    seq,
    sentAt: NOW,
    observations: [{ probeRegion: 'eu', edge: 'edge-a', at: NOW - 10, ok: true, connectMs: 0.412, firstByteMs: 1.5 }],
  };
}

const keys = (id: string): ReportKey | undefined => (id === 'eu' ? KEY : undefined);

// A Web Headers object without DOM typings in core.
const WebHeaders = (globalThis as unknown as { Headers: new (init: Record<string, string>) => { get(n: string): string | null } }).Headers;

describe('hmacSha256Hex', () => {
  it('matches RFC 4231 test case 2', async () => {
    expect(await hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('signReport', () => {
  it('produces an HMAC-SHA256 over "<timestamp>.<body>"', async () => {
    const body = JSON.stringify(report(1));
    const h = await signReport(body, KEY, NOW);
    const expected = await hmacSha256Hex(KEY, `${NOW}.${body}`);
    expect(h).toEqual({ [PROBE_HEADER]: 'eu', [TIMESTAMP_HEADER]: String(NOW), [SIGNATURE_HEADER]: `v1=${expected}` });
  });

  it('refuses to guess a probe id from a body without one', async () => {
    await expect(signReport('{}', KEY, NOW)).rejects.toThrow(/E_REPORT_SIGN/);
  });
});

describe('verifyReport', () => {
  it('accepts a good report and returns it parsed', async () => {
    const body = JSON.stringify(report(7));
    const headers = await signReport(body, KEY, NOW - 1000);
    const r = await verifyReport({ headers, body, keys, now: NOW });
    expect(r).toEqual({ ok: true, report: report(7) });
  });

  it('reads Web Headers as well as plain records (any header case)', async () => {
    const body = JSON.stringify(report(7));
    const signed = await signReport(body, KEY, NOW);
    const web = new WebHeaders(signed);
    expect((await verifyReport({ headers: web, body, keys, now: NOW })).ok).toBe(true);
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifyReport({ headers: upper, body, keys, now: NOW })).ok).toBe(true);
  });

  const cases: Array<{ name: string; code: string; mutate: (h: Record<string, string>, body: string) => { headers: Record<string, string>; body: string }; now?: number }> = [
    { name: 'no signature headers', code: 'unsigned', mutate: (_h, body) => ({ headers: {}, body }) },
    { name: 'signature header missing', code: 'unsigned', mutate: (h, body) => ({ headers: { ...h, [SIGNATURE_HEADER]: '' }, body }) },
    { name: 'unknown probe id', code: 'unknown-probe', mutate: (h, body) => ({ headers: { ...h, [PROBE_HEADER]: 'mallory' }, body }) },
    { name: 'tampered body', code: 'bad-signature', mutate: (h, body) => ({ headers: h, body: body.replace('"ok":true', '"ok":false') }) },
    { name: 'tampered timestamp', code: 'bad-signature', mutate: (h, body) => ({ headers: { ...h, [TIMESTAMP_HEADER]: String(NOW + 1) }, body }) },
    { name: 'signature not hex', code: 'bad-signature', mutate: (h, body) => ({ headers: { ...h, [SIGNATURE_HEADER]: 'v1=zz' }, body }) },
    { name: 'unknown signature version', code: 'bad-signature', mutate: (h, body) => ({ headers: { ...h, [SIGNATURE_HEADER]: h[SIGNATURE_HEADER]!.replace('v1=', 'v9=') }, body }) },
    { name: 'timestamp not a number', code: 'malformed', mutate: (h, body) => ({ headers: { ...h, [TIMESTAMP_HEADER]: 'yesterday' }, body }) },
  ];
  it.each(cases)('refuses $name with code $code', async ({ code, mutate }) => {
    const body = JSON.stringify(report(1));
    const signed = await signReport(body, KEY, NOW);
    const m = mutate(signed, body);
    const r = await verifyReport({ headers: m.headers, body: m.body, keys, now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(10);
    }
  });

  it('refuses a report signed with the wrong key', async () => {
    const body = JSON.stringify(report(1));
    const headers = await signReport(body, 'some-other-key-0123456789', NOW);
    const r = await verifyReport({ headers, body, keys, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it.each([
    { skewMs: -300_001, ok: false },
    { skewMs: -300_000, ok: true },
    { skewMs: 300_000, ok: true },
    { skewMs: 300_001, ok: false },
  ])('timestamp window: signed $skewMs ms from now → ok=$ok', async ({ skewMs, ok }) => {
    const body = JSON.stringify(report(1));
    const headers = await signReport(body, KEY, NOW + skewMs);
    const r = await verifyReport({ headers, body, keys, now: NOW });
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.code).toBe('stale-timestamp');
  });

  it('honours a custom window', async () => {
    const body = JSON.stringify(report(1));
    const headers = await signReport(body, KEY, NOW - 5_000);
    expect((await verifyReport({ headers, body, keys, now: NOW, windowMs: 4_000 })).ok).toBe(false);
    expect((await verifyReport({ headers, body, keys, now: NOW, windowMs: 6_000 })).ok).toBe(true);
  });

  it('refuses a well-signed body that is not a report, or is another probe’s report', async () => {
    const notJson = 'not json';
    let r = await verifyReport({ headers: await signReport(notJson, KEY, NOW, 'eu'), body: notJson, keys, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'malformed' });

    const bad = JSON.stringify({ ...report(1), seq: -1 });
    r = await verifyReport({ headers: await signReport(bad, KEY, NOW), body: bad, keys, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'malformed' });
    if (!r.ok) expect(r.message).toMatch(/seq/);

    const other = JSON.stringify(report(1, 'us'));
    r = await verifyReport({ headers: await signReport(other, KEY, NOW, 'eu'), body: other, keys, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('accepts either key during a rotation and either signature in the header', async () => {
    const body = JSON.stringify(report(1));
    const rotating = (id: string) => (id === 'eu' ? ['new-key-0123456789abcdef', KEY] : undefined);
    const h = await signReport(body, KEY, NOW);
    expect((await verifyReport({ headers: h, body, keys: rotating, now: NOW })).ok).toBe(true);
    const both = { ...h, [SIGNATURE_HEADER]: `v1=${'0'.repeat(64)}, ${h[SIGNATURE_HEADER]}` };
    expect((await verifyReport({ headers: both, body, keys, now: NOW })).ok).toBe(true);
  });

  it('refuses a replayed or older seq when given a guard, and records only accepted reports', async () => {
    const guard = new ReplayGuard();
    const send = async (seq: number, key: ReportKey = KEY) => {
      const body = JSON.stringify(report(seq));
      return verifyReport({ headers: await signReport(body, key, NOW), body, keys, now: NOW, guard });
    };
    expect((await send(5)).ok).toBe(true);
    expect(await send(5)).toMatchObject({ ok: false, code: 'replay' });
    expect(await send(4)).toMatchObject({ ok: false, code: 'replay' });
    // A forged seq 100 must not advance the guard.
    expect(await send(100, 'wrong-key-0123456789abcdef')).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(guard.lastSeq('eu')).toBe(5);
    expect((await send(6)).ok).toBe(true);
  });
});

describe('ReplayGuard', () => {
  it('keeps seq per probe', () => {
    const g = new ReplayGuard();
    expect(g.check('a', 10, NOW, NOW).ok).toBe(true);
    expect(g.check('b', 1, NOW, NOW).ok).toBe(true);
    expect(g.check('a', 10, NOW, NOW).ok).toBe(false);
    expect(g.check('b', 2, NOW, NOW).ok).toBe(true);
  });

  it('forgets a probe once its newest signature is outside the window', () => {
    const g = new ReplayGuard({ windowMs: 1000 });
    g.check('a', 10, NOW, NOW);
    expect(g.size).toBe(1);
    // Still inside the window: a replay would pass the timestamp check, so the entry must stay.
    expect(g.check('a', 10, NOW, NOW + 1000).ok).toBe(false);
    g.check('b', 1, NOW + 1001, NOW + 1001);
    expect(g.lastSeq('a')).toBeUndefined();
    expect(g.size).toBe(1);
  });

  it('is bounded by maxProbes, evicting the least recently seen', () => {
    const g = new ReplayGuard({ maxProbes: 3 });
    for (const p of ['a', 'b', 'c']) g.check(p, 1, NOW, NOW);
    g.check('a', 2, NOW, NOW); // a is now most recent
    g.check('d', 1, NOW, NOW);
    expect(g.size).toBe(3);
    expect(g.lastSeq('b')).toBeUndefined();
    expect(g.lastSeq('a')).toBe(2);
  });
});

describe('timingSafeEqualBytes', () => {
  it.each([
    { a: [1, 2, 3], b: [1, 2, 3], eq: true },
    { a: [1, 2, 3], b: [1, 2, 4], eq: false },
    { a: [1, 2, 3], b: [1, 2], eq: false },
    { a: [], b: [], eq: true },
  ])('$a vs $b → $eq', ({ a, b, eq }) => {
    expect(timingSafeEqualBytes(Uint8Array.from(a), Uint8Array.from(b))).toBe(eq);
  });
});
