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

describe('buildRegionMatcher', () => {
  it.each<[string, string | Uint8Array, number | undefined, string, number, boolean]>([
    ['IPv4 in a region', '10.1.2.3', undefined, 'us-east', 16, true],
    ['IPv4 as bytes', new Uint8Array([10, 3, 200, 1]), undefined, 'ap-south', 16, true],
    ['longest prefix wins', '10.2.5.9', undefined, 'ap-south', 24, true],
    // Beside the /24 inside its /16: the scope must exclude that /24 (10.2.4.0/23 does not contain it).
    ['scope lengthened around a more specific network', '10.2.6.1', undefined, 'eu-west', 23, true],
    ['the other half of the /16 is scoped to /17', '10.2.128.1', undefined, 'eu-west', 17, true],
    ['IPv6 in a region', '2001:db8:1::5', undefined, 'us-east', 48, true],
    ['IPv6 in another', '2001:db8:2:ffff::1', undefined, 'eu-west', 48, true],
    ['no match: default region, largest block free of policy networks', '192.168.1.1', undefined, 'us-east', 1, false],
    ['no match, IPv6', '2001:db9::1', undefined, 'us-east', 32, false],
    ['ECS /24 inside a region', '10.3.7.0', 24, 'ap-south', 16, true],
    ['ECS /16 with a more specific /24 inside: region from the /16, scope says not specific enough', '10.2.0.0', 16, 'eu-west', 24, true],
    ['ECS /8 above every network: default, scope of the longest inside', '10.0.0.0', 8, 'us-east', 24, false],
    ['ECS /0', '0.0.0.0', 0, 'us-east', 24, false],
    ['IPv4-mapped IPv6 matches as IPv4', '::ffff:10.1.2.3', undefined, 'us-east', 112, true],
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

  it('agrees with a brute-force reference on random networks and queries', () => {
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
      for (let q = 0; q < 200; q++) {
        const addr = new Uint8Array([rand() < 0.9 ? 10 : 11, Math.floor(rand() * 16), Math.floor(rand() * 4), Math.floor(rand() * 256)]);
        const source = rand() < 0.5 ? 32 : Math.floor(rand() * 33);
        expect(m.match(addr, source), `${addr.join('.')}/${source}`).toEqual(reference(cidrs, addr, source));
      }
    }
  });
});

function masked(addr: number[], len: number): string {
  const n = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
  const m = len === 0 ? 0 : (n & (0xffffffff << (32 - len))) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${len}`;
}

/** The matcher's contract, computed the slow way. */
function reference(cidrs: Array<{ region: string; cidr: NonNullable<ReturnType<typeof parseCidr>> }>, addr: Uint8Array, source: number) {
  let best: { region: string; len: number } | undefined;
  for (const { region, cidr } of cidrs) {
    if (cidr.prefix <= source && samePrefix(cidr.bytes, addr, cidr.prefix) && (!best || cidr.prefix > best.len)) best = { region, len: cidr.prefix };
  }
  // Shortest X ≤ source with no network strictly inside addr/X; else the longest network inside addr/source.
  let scope = -1;
  for (let x = 0; x <= source && scope < 0; x++) {
    if (!cidrs.some(({ cidr }) => cidr.prefix > x && samePrefix(cidr.bytes, addr, x))) scope = x;
  }
  if (scope < 0) scope = Math.max(...cidrs.filter(({ cidr }) => cidr.prefix > source && samePrefix(cidr.bytes, addr, source)).map(({ cidr }) => cidr.prefix));
  return { region: best?.region ?? 'r0', scopePrefix: scope, matched: best !== undefined };
}
