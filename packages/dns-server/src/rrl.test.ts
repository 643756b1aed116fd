import { buildPlane } from './plane.js';
import { describe, expect, it } from 'vitest';
import { tableForPolicy } from '@edgesteer/core';
import { encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { ResponseRateLimiter, rrlSettings, truncatedResponse, questionEnd } from './rrl.js';
import { testPolicy } from './test-support.js';
import { decodeIndependent } from './independent-decoder.js';

const policy = testPolicy();
const plane = buildPlane(policy, tableForPolicy(policy, 0), { maxUdp: 1232 });
const answer = (name: string, type: number = TYPE.A, client = '198.51.100.1') => plane.answer(encodeQuery({ name, type }), client, { transport: 'udp' })!;
const T = 1_000_000;

/** Feeds `n` copies of `response` from `client` at time `at`; counts what each outcome was. */
function feed(rrl: ResponseRateLimiter, response: Uint8Array, client: string, n: number, at = T) {
  const out = { full: 0, tc: 0, dropped: 0 };
  for (let i = 0; i < n; i++) {
    const r = rrl.filter(response, client, at);
    if (r === null) out.dropped++;
    else if (r === response) out.full++;
    else out.tc++;
  }
  return out;
}

describe('response rate limiting', () => {
  it('passes `rate` responses per second, then slips every 2nd (TC) and drops the rest', () => {
    const rrl = new ResponseRateLimiter({ ratePerSecond: 10, slip: 2, exempt: [] });
    expect(feed(rrl, answer('cdn.example.com'), '198.51.100.7', 30)).toEqual({ full: 10, tc: 10, dropped: 10 });
    expect(rrl.counts).toEqual({ dropped: 10, slipped: 10 });
    // Half a second later, half the budget is back.
    expect(feed(rrl, answer('cdn.example.com'), '198.51.100.7', 5, T + 500).full).toBe(5);
  });

  it.each([
    [0, { full: 5, tc: 0, dropped: 15 }],
    [1, { full: 5, tc: 15, dropped: 0 }],
    [3, { full: 5, tc: 5, dropped: 10 }],
  ])('slip %i', (slip, want) => {
    const rrl = new ResponseRateLimiter({ ratePerSecond: 5, slip, exempt: [] });
    expect(feed(rrl, answer('cdn.example.com'), '198.51.100.7', 20)).toEqual(want);
  });

  it('keys by /24 (IPv4) and /56 (IPv6): neighbours share a budget, other networks do not', () => {
    const rrl = new ResponseRateLimiter({ ratePerSecond: 5, slip: 0, exempt: [] });
    const r = answer('cdn.example.com');
    expect(feed(rrl, r, '198.51.100.1', 5).full).toBe(5);
    expect(feed(rrl, r, '198.51.100.200', 5).full).toBe(0);
    expect(feed(rrl, r, '::ffff:198.51.100.9', 5).full).toBe(0);
    expect(feed(rrl, r, '198.51.101.1', 5).full).toBe(5);
    expect(feed(rrl, r, '2001:db8:0:1100::1', 5).full).toBe(5);
    expect(feed(rrl, r, '2001:db8:0:11ff::2', 5).full).toBe(0);
    expect(feed(rrl, r, '2001:db8:0:1200::1', 5).full).toBe(5);
  });

  it('keys answers by name and type (case-folded), NXDOMAIN and errors per subnet', () => {
    const rrl = new ResponseRateLimiter({ ratePerSecond: 3, slip: 0, exempt: [] });
    const c = '198.51.100.7';
    expect(feed(rrl, answer('cdn.example.com'), c, 3).full).toBe(3);
    expect(feed(rrl, answer('CDN.EXAMPLE.COM'), c, 3).full).toBe(0);
    expect(feed(rrl, answer('cdn.example.com', TYPE.AAAA), c, 3).full).toBe(3);
    expect(feed(rrl, answer('example.com', TYPE.SOA), c, 3).full).toBe(3);
    // Random names share one NXDOMAIN budget.
    const nx = ['a', 'b', 'c', 'd', 'e'].map((l) => feed(rrl, answer(`${l}.nope.example.com`), c, 1).full);
    expect(nx.reduce((x, y) => x + y)).toBe(3);
    const refused = ['a.org', 'b.net', 'c.io', 'd.dev'].map((n) => feed(rrl, answer(n), c, 1).full);
    expect(refused.reduce((x, y) => x + y)).toBe(3);
  });

  it('never limits exempt clients (loopback by default)', () => {
    const rrl = new ResponseRateLimiter(rrlSettings({ ratePerSecond: 1 })!);
    expect(feed(rrl, answer('cdn.example.com'), '127.0.0.1', 50).full).toBe(50);
    expect(feed(rrl, answer('cdn.example.com'), '::1', 50).full).toBe(50);
    expect(feed(rrl, answer('cdn.example.com'), '198.51.100.7', 50).full).toBe(1);
  });

  it('holds at most maxAccounts accounts (spoofed-source floods cost bounded memory)', () => {
    const rrl = new ResponseRateLimiter({ ratePerSecond: 5, slip: 2, exempt: [], maxAccounts: 100 });
    const r = answer('cdn.example.com');
    for (let i = 0; i < 5000; i++) rrl.filter(r, `10.${(i >> 8) & 255}.${i & 255}.1`, T);
    expect(rrl.size).toBe(100);
  });

  it('a truncated response is the header with TC=1 and the question, nothing else', () => {
    const full = answer('cdn.example.com');
    const tc = truncatedResponse(full)!;
    const m = decodeIndependent(tc);
    expect(m.flags.tc).toBe(true);
    expect(m.id).toBe(decodeIndependent(full).id);
    expect(m.questions).toEqual(decodeIndependent(full).questions);
    expect(m.answers).toEqual([]);
    expect(m.additionals).toEqual([]);
    expect(tc.length).toBe(questionEnd(full));
    expect(truncatedResponse(new Uint8Array([1, 2, 3]))).toBeNull();
  });

  it('settings: defaults on, 0 or false is off, bad values refused with E_DNS_RRL_INVALID', () => {
    expect(rrlSettings(undefined)).toMatchObject({ ratePerSecond: 100, slip: 2 });
    expect(rrlSettings(false)).toBeUndefined();
    expect(rrlSettings({ ratePerSecond: 0 })).toBeUndefined();
    expect(() => rrlSettings({ ratePerSecond: -1 })).toThrow(/E_DNS_RRL_INVALID|rate/);
    expect(() => rrlSettings({ slip: 11 })).toThrow(/slip/);
    expect(() => rrlSettings({ exempt: ['not-a-net'] })).toThrow(/not-a-net/);
  });
});
