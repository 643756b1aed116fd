import { describe, expect, it } from 'vitest';
import { signReport, type ReportKey } from './report-auth.js';
import { checkReport, replayRefusal, reportSchemaProblems } from './report-intake.js';
import type { Report } from './types.js';

const KEY = 'k-eu-0123456789abcdef';
const NOW = 1_750_000_000_000;
const policy = { regions: [{ id: 'eu' }, { id: 'us' }] } as Parameters<typeof checkReport>[0]['policy'];
const keys = (id: string): ReportKey | undefined => (id === 'eu' ? KEY : undefined);

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
    { name: 'unsigned', body: JSON.stringify(report()), headers: {}, status: 401, code: 'E_AUTH_MISSING', reason: 'unsigned' },
    { name: 'unknown probe', body: JSON.stringify(report({ probe: 'ap' })), headers: 'ap', status: 401, code: 'E_AUTH_INVALID', reason: 'unknown_probe' },
    { name: 'not JSON', body: '{"probe":', status: 400, code: 'E_REPORT_SCHEMA', reason: 'schema' },
    { name: 'schema', body: JSON.stringify({ ...report(), seq: -1 }), status: 400, code: 'E_REPORT_SCHEMA', reason: 'schema' },
    { name: 'unknown region', body: JSON.stringify(report({ region: 'mars', observations: [] })), status: 400, code: 'E_REPORT_UNKNOWN_REGION', reason: 'unknown_region' },
    {
      name: 'observation from another region',
      body: JSON.stringify(report({ observations: [{ probeRegion: 'us', edge: 'edge-a', at: NOW, ok: true, connectMs: 1 }] })),
      status: 400,
      code: 'E_REPORT_REGION_MISMATCH',
      reason: 'region_mismatch',
    },
  ])('refuses $name with $status $code ($reason)', async ({ body, headers, status, code, reason }) => {
    const h = headers === undefined ? undefined : typeof headers === 'string' ? await signReport(body, 'some-other-key-0123', NOW, headers) : headers;
    const r = await check(body, h);
    expect(r).toMatchObject({ ok: false, status, code, reason });
    if (!r.ok) expect(r.message).not.toBe('');
  });

  it('lists every schema problem of a malformed body', async () => {
    const r = await check(JSON.stringify({ ...report(), seq: -1, sentAt: 'soon' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems?.map((p) => p.path).sort()).toEqual(['sentAt', 'seq']);
  });

  it('says which region a report may not speak for', async () => {
    const r = await check(JSON.stringify(report({ region: 'mars', observations: [] })));
    if (r.ok) throw new Error('accepted');
    expect(r.message).toBe('region "mars" is not in the policy (regions: eu, us)');
  });
});

describe('replayRefusal', () => {
  it('is a 409 E_REPORT_REPLAY with the replay check message', () => {
    expect(replayRefusal('seq 3 is not above 4')).toEqual({ status: 409, code: 'E_REPORT_REPLAY', reason: 'replay', message: 'seq 3 is not above 4' });
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
