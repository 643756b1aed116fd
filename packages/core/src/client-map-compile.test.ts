/// <reference types="node" />
import { describe, expect, it } from 'vitest';
import { parseIp } from '@edgesteer/policy/neutral';
import { ClientMap } from './client-map.js';
import { compileClientMap, GeoRecordsBuilder } from './client-map-compile.js';
import { CoreError } from './errors.js';
import { testPolicy } from './test-policy.js';

const v4 = (t: string) => {
  const b = parseIp(t)!.bytes;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
};

/** Synthetic database: a few IPv4 blocks with the locations a country or city database gives. */
function records() {
  const b = new GeoRecordsBuilder('test-db 2026-01-01');
  const gb = b.location({ country: 'GB', continent: 'EU', lat: 54, lon: -2 });
  const jp = b.location({ country: 'JP', continent: 'AS', lat: 36, lon: 138 });
  const noCoords = b.location({ country: 'XK', continent: 'EU' }); // a country the coordinate table lacks
  const nothing = b.location({ country: 'ZZ' }); // no continent, no coordinates
  // In address order, as a database lists them.
  b.add4(v4('1.0.16.0'), v4('1.0.31.255'), jp);
  b.add4(v4('5.5.0.0'), v4('5.5.0.255'), noCoords);
  b.add4(v4('6.6.0.0'), v4('6.6.0.255'), nothing);
  b.add4(v4('81.2.0.0'), v4('81.2.255.255'), gb);
  b.add6(0x2a00_1450n << 96n, (0x2a00_1450n << 96n) + (1n << 96n) - 1n, gb);
  return b.records;
}

const regions = [
  { id: 'us-east', aws: 'us-east-1' as const, clientCidrs: [], default: true },
  { id: 'eu-west', aws: 'eu-west-1' as const, clientCidrs: [] },
  { id: 'ap-south', aws: 'ap-southeast-1' as const, clientCidrs: [] },
];

const at = (map: ClientMap, ip: string) => {
  const m = map.lookup(parseIp(ip)!.bytes);
  return { region: m.region, rule: m.rule };
};

describe('compileClientMap: lookup order', () => {
  it('places by distance when nothing else says otherwise', () => {
    const map = compileClientMap(testPolicy({ regions }), records());
    expect(at(map, '81.2.69.142')).toEqual({ region: 'eu-west', rule: 'distance' });
    expect(at(map, '1.0.16.5')).toEqual({ region: 'ap-south', rule: 'distance' });
    expect(at(map, '2a00:1450::1')).toEqual({ region: 'eu-west', rule: 'distance' });
    expect(at(map, '9.9.9.9')).toEqual({ region: 'us-east', rule: 'default' }); // no record
  });

  it('clientCidrs beat countries, and countries beat distance', () => {
    const rs = [
      { ...regions[0]!, clientCidrs: ['81.2.69.0/24'] },
      { ...regions[1]! },
      { ...regions[2]!, countries: ['GB'] },
    ];
    const map = compileClientMap(testPolicy({ regions: rs }), records());
    expect(at(map, '81.2.69.142')).toEqual({ region: 'us-east', rule: 'cidr' });
    expect(at(map, '81.2.70.1')).toEqual({ region: 'ap-south', rule: 'country' });
    expect(at(map, '2a00:1450::1')).toEqual({ region: 'ap-south', rule: 'country' });
  });

  it('continents beat distance; countries beat continents', () => {
    const rs = [{ ...regions[0]!, continents: ['EU' as const] }, { ...regions[1]!, countries: ['XK'] }, regions[2]!];
    const map = compileClientMap(testPolicy({ regions: rs }), records());
    expect(at(map, '81.2.1.1')).toEqual({ region: 'us-east', rule: 'continent' });
    expect(at(map, '5.5.0.1')).toEqual({ region: 'eu-west', rule: 'country' });
  });

  it('a country with no coordinates falls back to its continent, then to the default region', () => {
    const withContinent = compileClientMap(testPolicy({ regions: [regions[0]!, { ...regions[1]!, continents: ['EU'] }, regions[2]!] }), records());
    expect(at(withContinent, '5.5.0.1')).toEqual({ region: 'eu-west', rule: 'continent' });
    const plain = compileClientMap(testPolicy({ regions }), records());
    expect(at(plain, '5.5.0.1')).toEqual({ region: 'us-east', rule: 'default' });
    expect(at(plain, '6.6.0.1')).toEqual({ region: 'us-east', rule: 'default' });
  });

  it('a region location overrides its AWS city', () => {
    const rs = [regions[0]!, regions[1]!, { ...regions[2]!, location: { lat: 54, lon: -1.5 } }];
    expect(at(compileClientMap(testPolicy({ regions: rs }), records()), '81.2.1.1').region).toBe('ap-south');
  });

  it('geo.enabled false keeps clientCidrs and the default region only', () => {
    const map = compileClientMap({ ...testPolicy({ regions }), geo: { enabled: false } }, records());
    expect(at(map, '81.2.69.142')).toEqual({ region: 'us-east', rule: 'default' });
    expect(map.source).toBe('none');
  });
});

describe('ClientMap: merging, hash and bytes', () => {
  it('merges neighbours of one region and covers the whole space', () => {
    const map = compileClientMap(testPolicy({ regions }), records());
    const ranges = [...map.ranges()];
    expect(ranges[0]!.start).toBe('0.0.0.0');
    expect(ranges.filter((r) => r.family === 6).at(-1)!.end).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    for (let i = 1; i < ranges.length; i++) if (ranges[i]!.family === ranges[i - 1]!.family) expect(ranges[i]!.region).not.toBe(ranges[i - 1]!.region);
  });

  it('round-trips through its bytes with the same hash, and the same inputs give the same hash', () => {
    const a = compileClientMap(testPolicy({ regions }), records());
    const b = ClientMap.deserialize(a.serialize());
    expect(b.hash).toBe(a.hash);
    expect(compileClientMap(testPolicy({ regions }), records()).hash).toBe(a.hash);
    expect(compileClientMap(testPolicy({ regions: [regions[0]!, regions[2]!, regions[1]!] }), records()).hash).not.toBe(a.hash);
  });

  it.each([
    ['not a map', new Uint8Array([1, 2, 3, 4, 5, 6, 7])],
    ['truncated', () => compileClientMap(testPolicy({ regions }), records()).serialize().slice(0, 40)],
    ['trailing bytes', () => new Uint8Array([...compileClientMap(testPolicy({ regions }), records()).serialize(), 0])],
  ] as const)('rejects %s with E_CORE_CLIENT_MAP_CORRUPT', (_name, bytes) => {
    const b = typeof bytes === 'function' ? bytes() : bytes;
    expect(() => ClientMap.deserialize(b)).toThrow(CoreError);
    try {
      ClientMap.deserialize(b);
    } catch (err) {
      expect((err as CoreError).code).toBe('E_CORE_CLIENT_MAP_CORRUPT');
    }
  });

  it('refuses records out of order', () => {
    const r = records();
    r.v4.start.reverse();
    r.v4.end.reverse();
    expect(() => compileClientMap(testPolicy({ regions }), r)).toThrow(/out of order/);
  });

  it('lookupInto reuses its result object (no allocation on the query path)', () => {
    const map = compileClientMap(testPolicy({ regions }), records());
    const out = { regionIndex: 0, region: '', scopePrefix: 0, rule: 'default' as const };
    const bytes = parseIp('81.2.69.142')!.bytes;
    expect(map.lookupInto(bytes, 0, 4, 32, out as never)).toBe(out);
    expect(out.region).toBe('eu-west');
  });
});

describe('ClientMap hash', () => {
  it('a supplied SHA-256 gives the same hash as core\'s own', async () => {
    const { createHash } = await import('node:crypto');
    const own = compileClientMap(testPolicy({ regions }), records());
    const native = compileClientMap(testPolicy({ regions }), records(), { sha256Hex: (b) => createHash('sha256').update(b).digest('hex') });
    expect(native.hash).toBe(own.hash);
  });
});
