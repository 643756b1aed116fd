import { describe, expect, it } from 'vitest';
import { signReport } from './report-auth.js';
import { checkReport, checkReportHead, replayRefusal, reportSchemaProblems, type ProbeKey } from './report-intake.js';
import type { Report } from './types.js';

const KEY = 'k-eu-0123456789abcdef';
const NOW = 1_750_000_000_000;
const policy = { regions: [{ id: 'eu' }, { id: 'us' }] } as Parameters<typeof checkReport>[0]['policy'];
// 'eu' speaks for region eu; 'mars' for a region the policy no longer has.
const KEYS: Record<string, ProbeKey> = { eu: { region: 'eu', secrets: [KEY] }, mars: { region: 'mars', secrets: ['k-mars-0123456789abcdef'] } };
const keys = (id: string): ProbeKey | undefined => KEYS[id];

function report(over: Partial<Report> = {}): Report {
  return {
    probe: 'eu',
    region: 'eu',
    seq: 1,
    sentAt: NOW,
    observations: [{ probeRegion: 'eu', edge: 'edge-a', at: NOW - 10, ok: true, connectMs: 0.4 }],
    ...over,
  };
}

async function check(body: string, headers?: Record<string, string>) {
  return checkReport({ headers: headers ?? (await signReport(body, KEY, NOW - 1000, 'eu')), body, keys, now: NOW, policy });
}

describe('checkReport', () => {
  it('accepts a signed report of a policy region and returns its signing time', async () => {
    expect(await check(JSON.stringify(report()))).toEqual({ ok: true, report: report(), signedAt: NOW - 1000 });
  });

  it.each([
    { name: 'unsigned', body: JSON.stringify(report()), headers: {}, code: 'E_AUTH_MISSING', reason: 'unsigned' },
    { name: 'unknown probe', body: JSON.stringify(report({ probe: 'ap' })), headers: 'ap', code: 'E_AUTH_INVALID', reason: 'unknown_probe' },
    { name: 'not JSON', body: '{"probe":', code: 'E_REPORT_SCHEMA', reason: 'schema' },
    { name: 'schema', body: JSON.stringify({ ...report(), seq: -1 }), code: 'E_REPORT_SCHEMA', reason: 'schema' },
    {
      name: 'an observation stamped after its report (+10 s)',
      body: JSON.stringify(report({ observations: [{ probeRegion: 'eu', edge: 'edge-a', at: NOW + 365 * 86_400_000, ok: true, connectMs: 1 }] })),
      code: 'E_REPORT_SCHEMA',
      reason: 'schema',
    },
    { name: 'a report sent after it was signed (sentAt a day ahead)', body: JSON.stringify(report({ sentAt: NOW + 86_400_000, observations: [] })), code: 'E_REPORT_SCHEMA', reason: 'schema' },
    { name: 'a key bound to a region no longer in the policy', body: JSON.stringify(report({ probe: 'mars', region: 'mars', observations: [] })), headers: 'mars', code: 'E_REPORT_UNKNOWN_REGION', reason: 'unknown_region' },
    // Row 1 of #14: the eu key claimed us (a faked cross-region quorum).
    { name: 'a report for another region than its key’s', body: JSON.stringify(report({ region: 'us', observations: [{ probeRegion: 'us', edge: 'edge-a', at: NOW, ok: false }] })), code: 'E_REPORT_REGION_FORBIDDEN', reason: 'region_forbidden' },
    {
      name: 'observation from another region',
      body: JSON.stringify(report({ observations: [{ probeRegion: 'us', edge: 'edge-a', at: NOW, ok: true, connectMs: 1 }] })),
      code: 'E_REPORT_REGION_MISMATCH',
      reason: 'region_mismatch',
    },
  ])('refuses $name with $code ($reason)', async ({ body, headers, code, reason }) => {
    const h = headers === undefined ? undefined : typeof headers === 'string' ? await signReport(body, KEYS[headers]?.secrets[0] ?? 'some-other-key-0123', NOW, headers) : headers;
    const r = await check(body, h);
    expect(r).toMatchObject({ ok: false, code, reason });
    if (!r.ok) expect(r.message).not.toBe('');
  });

  it('lists every schema problem of a malformed body', async () => {
    const r = await check(JSON.stringify({ ...report(), seq: -1, sentAt: 'soon' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems?.map((p) => p.path).sort()).toEqual(['sentAt', 'seq']);
  });

  it('says which region a report may not speak for', async () => {
    const body = JSON.stringify(report({ probe: 'mars', region: 'mars', observations: [] }));
    const r = await check(body, await signReport(body, KEYS['mars']!.secrets[0]!, NOW, 'mars'));
    if (r.ok) throw new Error('accepted');
    expect(r.message).toBe('region "mars" is not in the policy (regions: eu, us)');
    const forged = await check(JSON.stringify(report({ region: 'us', observations: [] })));
    if (forged.ok) throw new Error('accepted');
    expect(forged.message).toBe('probe key "eu" is bound to region "eu" and cannot report for "us"');
  });
});

describe('checkReportHead (before the body is read)', () => {
  const sig = `v1=${'ab'.repeat(32)}`;
  it.each([
    { name: 'no headers', headers: {}, reason: 'unsigned' },
    { name: 'an unknown key id', headers: { 'x-edgesteer-probe': 'ap', 'x-edgesteer-timestamp': String(NOW), 'x-edgesteer-signature': sig }, reason: 'unknown_probe' },
    { name: 'a stale timestamp', headers: { 'x-edgesteer-probe': 'eu', 'x-edgesteer-timestamp': String(NOW - 3_600_000), 'x-edgesteer-signature': sig }, reason: 'stale_timestamp' },
    { name: 'a signature that is no v1=<hex>', headers: { 'x-edgesteer-probe': 'eu', 'x-edgesteer-timestamp': String(NOW), 'x-edgesteer-signature': 'v1=zz' }, reason: 'bad_signature' },
  ])('refuses $name as $reason', ({ headers, reason }) => {
    expect(checkReportHead({ headers, keys, now: NOW })).toMatchObject({ ok: false, reason });
  });
  it('passes well-formed headers of a known key, returning the key', () => {
    expect(checkReportHead({ headers: { 'x-edgesteer-probe': 'eu', 'x-edgesteer-timestamp': String(NOW), 'x-edgesteer-signature': sig }, keys, now: NOW })).toEqual({ ok: true, probe: 'eu', key: KEYS['eu'] });
  });
});

describe('replayRefusal', () => {
  it('is an E_REPORT_REPLAY with the replay check message (no HTTP status: that is the receivers’)', () => {
    expect(replayRefusal('seq 3 is not above 4')).toEqual({ code: 'E_REPORT_REPLAY', reason: 'replay', message: 'seq 3 is not above 4' });
  });
});

describe('reportSchemaProblems', () => {
  it.each([
    { body: 'nope', want: [{ path: '(body)', message: expect.stringMatching(/^not JSON: /) as unknown as string }] },
    { body: JSON.stringify(report()), want: [] },
    { body: '[]', want: [{ path: '(root)', message: expect.any(String) as unknown as string }] },
  ])('$body → $want.length problem(s)', ({ body, want }) => {
    expect(reportSchemaProblems(body)).toEqual(want);
  });
});
