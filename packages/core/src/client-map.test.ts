import { describe, expect, it } from 'vitest';
import { parseCidr, samePrefix } from '@edgesteer/policy/neutral';
import { buildRegionMatcher } from './region-matcher.js';
import { CoreError } from './errors.js';
import { prng, testPolicy } from './test-policy.js';

const regions = [
  { id: 'us-east', aws: 'us-east-1' as const, clientCidrs: ['10.1.0.0/16', '2001:db8:1::/48'], default: true },
  { id: 'eu-west', aws: 'eu-west-1' as const, clientCidrs: ['10.2.0.0/16', '2001:db8:2::/48'] },
  { id: 'ap-south', aws: 'ap-south-1' as const, clientCidrs: ['10.3.0.0/16', '10.2.5.0/24'] },
];
const matcher = buildRegionMatcher(testPolicy({ regions }));

describe('client map from the policy alone (buildRegionMatcher)', () => {
  it.each<[string, string | Uint8Array, number | undefined, string, number, boolean]>([
    // us-east is also the default region, so 10.0.0.0/16 next to its /16 answers the same: the scope covers both.
    ['IPv4 in a region', '10.1.2.3', undefined, 'us-east', 15, true],
    ['IPv4 as bytes', new Uint8Array([10, 3, 200, 1]), undefined, 'ap-south', 16, true],
    ['longest prefix wins', '10.2.5.9', undefined, 'ap-south', 24, true],
    // Beside the /24 inside its /16: the scope must exclude that /24 (10.2.4.0/23 does not contain it).
    ['scope lengthened around a more specific network', '10.2.6.1', undefined, 'eu-west', 23, true],
    ['the other half of the /16 is scoped to /17', '10.2.128.1', undefined, 'eu-west', 17, true],
    ['IPv6 in a region (default next door: /47)', '2001:db8:1::5', undefined, 'us-east', 47, true],
    ['IPv6 in another', '2001:db8:2:ffff::1', undefined, 'eu-west', 48, true],
    ['no match: default region, largest block free of policy networks', '192.168.1.1', undefined, 'us-east', 1, false],
    ['no match, IPv6', '2001:db9::1', undefined, 'us-east', 32, false],
    ['ECS /24 inside a region', '10.3.7.0', 24, 'ap-south', 16, true],
    // Source too short to decide: the region of the block's first address, and a scope longer than the source ("not specific enough").
    ['ECS /16 with a more specific /24 inside', '10.2.0.0', 16, 'eu-west', 22, true],
    ['ECS /8 above every network: the first address is in no network', '10.0.0.0', 8, 'us-east', 15, false],
    ['ECS /0', '0.0.0.0', 0, 'us-east', 5, false],
    ['IPv4-mapped IPv6 matches as IPv4 (scope + 96)', '::ffff:10.1.2.3', undefined, 'us-east', 111, true],
    ['IPv4-mapped with ECS /120', '::ffff:10.3.0.0', 120, 'ap-south', 112, true],
    ['unparseable text: default, scope 0', 'not-an-ip', undefined, 'us-east', 0, false],
    ['wrong byte length: default, scope 0', new Uint8Array([1, 2, 3]), undefined, 'us-east', 0, false],
  ])('%s', (_name, ip, source, region, scopePrefix, matched) => {
    expect(matcher.match(ip, source)).toEqual({ region, scopePrefix, matched });
  });

  it('names the default region', () => {
    expect(matcher.defaultRegion).toBe('us-east');
  });

  it('has scope 0 for a family without networks', () => {
    const m = buildRegionMatcher(testPolicy({ regions: [{ ...regions[0]!, clientCidrs: ['10.0.0.0/8'] }, { ...regions[1]!, clientCidrs: [] }] }));
    expect(m.match('2001:db8::1')).toEqual({ region: 'us-east', scopePrefix: 0, matched: false });
  });

  it('refuses a client CIDR that does not parse', () => {
    const bad = testPolicy({ regions: [{ ...regions[0]!, clientCidrs: ['10.0.0.0/33'] }] });
    expect(() => buildRegionMatcher(bad)).toThrow(CoreError);
  });

  it('agrees with a brute-force reference on random networks and queries (full-length source)', () => {
    const rand = prng(9);
    for (let round = 0; round < 20; round++) {
      // Networks packed into 10.0.0.0/12 so they nest and overlap a lot.
      const rs = [0, 1, 2, 3].map((i) => ({
        id: `r${i}`,
        aws: 'us-east-1' as const,
        default: i === 0,
        clientCidrs: Array.from({ length: 6 }, () => {
          const len = 8 + Math.floor(rand() * 25);
          const addr = [10, Math.floor(rand() * 16), Math.floor(rand() * 4), Math.floor(rand() * 256)];
          return masked(addr, len);
        }),
      }));
      const m = buildRegionMatcher(testPolicy({ regions: rs }));
      const cidrs = rs.flatMap((r) => r.clientCidrs.map((c) => ({ region: r.id, cidr: parseCidr(c)! })));
      const regionAt = (a: number) => reference(cidrs, toBytes(a));
      for (let q = 0; q < 200; q++) {
        const a = (((rand() < 0.9 ? 10 : 11) << 24) | (Math.floor(rand() * 16) << 16) | (Math.floor(rand() * 4) << 8) | Math.floor(rand() * 256)) >>> 0;
        const got = m.match(toBytes(a));
        const want = regionAt(a);
        expect({ region: got.region, matched: got.matched }, toBytes(a).join('.')).toEqual(want);
        // The scope block holds only this region (its ends are the extremes, and every network edge inside is checked)...
        const host = 32 - got.scopePrefix;
        const lo = host === 32 ? 0 : ((a >>> host) << host) >>> 0;
        const hi = host === 32 ? 0xffffffff : (lo + 2 ** host - 1) >>> 0;
        for (const probe of edgesWithin(cidrs, lo, hi)) expect(regionAt(probe).region, `${toBytes(probe).join('.')} in scope of ${toBytes(a).join('.')}/${got.scopePrefix}`).toBe(got.region);
        // ...and is the largest such: one bit shorter takes in another region.
        if (got.scopePrefix > 0) {
          const h2 = host + 1;
          const lo2 = h2 === 32 ? 0 : ((a >>> h2) << h2) >>> 0;
          const hi2 = h2 === 32 ? 0xffffffff : (lo2 + 2 ** h2 - 1) >>> 0;
          expect(edgesWithin(cidrs, lo2, hi2).some((p) => regionAt(p).region !== got.region)).toBe(true);
        }
      }
    }
  });
});

function toBytes(a: number): Uint8Array {
  return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
}

/** lo, hi and every network boundary (first address, address after the last) inside [lo, hi]: where the region can change. */
function edgesWithin(cidrs: Array<{ cidr: NonNullable<ReturnType<typeof parseCidr>> }>, lo: number, hi: number): number[] {
  const out = [lo, hi];
  for (const { cidr } of cidrs) {
    const s = ((cidr.bytes[0]! << 24) | (cidr.bytes[1]! << 16) | (cidr.bytes[2]! << 8) | cidr.bytes[3]!) >>> 0;
    const e = s + 2 ** (32 - cidr.prefix) - 1;
    for (const p of [s - 1, s, e, e + 1]) if (p >= lo && p <= hi) out.push(p);
  }
  return out;
}

function masked(addr: number[], len: number): string {
  const n = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
  const m = len === 0 ? 0 : (n & (0xffffffff << (32 - len))) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${len}`;
}

/** Longest matching network, else the default region r0: the map's region contract, the slow way. */
function reference(cidrs: Array<{ region: string; cidr: NonNullable<ReturnType<typeof parseCidr>> }>, addr: Uint8Array) {
  let best: { region: string; len: number } | undefined;
  for (const { region, cidr } of cidrs) {
    if (samePrefix(cidr.bytes, addr, cidr.prefix) && (!best || cidr.prefix > best.len)) best = { region, len: cidr.prefix };
  }
  return { region: best?.region ?? 'r0', matched: best !== undefined };
}
