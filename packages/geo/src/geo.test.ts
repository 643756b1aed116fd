import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v4Text, type ClientMap } from '@edgesteer/core';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { compileClientMapSync, embeddedDatabasePath, GeoError, loadClientMap, openDatabase, recordLocation } from './index.js';

const policy: Policy = PolicySchema.parse({
  version: 1,
  owner: 'test',
  zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.1'] }] }],
  regions: [
    { id: 'us-east', aws: 'us-east-1', default: true, clientCidrs: ['10.0.0.0/8', '81.2.69.0/24'] },
    { id: 'eu-west', aws: 'eu-west-1', countries: ['RU'] },
    { id: 'ap-southeast', aws: 'ap-southeast-1' },
    { id: 'sa-east', aws: 'sa-east-1' },
    { id: 'ap-northeast', aws: 'ap-northeast-1' },
  ],
  edges: [{ id: 'e1', region: 'us-east', ipv4: ['127.0.0.1'], check: { type: 'http', port: 80 } }],
  services: [{ id: 'cdn', name: 'cdn.example.com', edges: ['e1'] }],
});

/** mulberry32: the same addresses every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let map: ClientMap;
let dir: string;

beforeAll(() => {
  map = compileClientMapSync(policy).map;
  dir = mkdtempSync(path.join(tmpdir(), 'edgesteer-geo-'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes4 = (a: number) => new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);

describe('the world client map from the embedded database', () => {
  it('places well-known networks by geography, clientCidrs and countries first', () => {
    const at = (ip: number[]) => map.lookup(new Uint8Array(ip));
    expect(at([81, 2, 69, 142])).toMatchObject({ region: 'us-east', rule: 'cidr' }); // a GB address claimed by clientCidrs
    expect(at([81, 2, 70, 1])).toMatchObject({ region: 'eu-west', rule: 'distance' }); // the rest of that GB network
    expect(at([5, 3, 3, 3])).toMatchObject({ region: 'eu-west', rule: 'country' }); // RU: countries beat distance (its reference point is nearer Tokyo)
    expect(at([1, 0, 16, 1])).toMatchObject({ region: 'ap-northeast', rule: 'distance' }); // JP
    expect(at([10, 1, 2, 3])).toMatchObject({ region: 'us-east', rule: 'cidr' });
    expect(at([192, 168, 1, 1])).toMatchObject({ region: 'us-east', rule: 'default' }); // in no database
  });

  it('ECS scope never covers an address of another region (property over random IPv4 addresses)', () => {
    const rand = prng(7);
    for (let n = 0; n < 5000; n++) {
      const a = Math.floor(rand() * 2 ** 32) >>> 0;
      const m = map.lookup(bytes4(a));
      const host = 32 - m.scopePrefix;
      const lo = host === 32 ? 0 : Number((BigInt(a) >> BigInt(host)) << BigInt(host));
      const hi = lo + 2 ** host - 1;
      // The whole block lies in the one range that holds the address...
      const r = map.range4(lo);
      expect(map.regions[r.regionIndex], `${v4Text(a)}/${m.scopePrefix}`).toBe(m.region);
      expect(r.end, `${v4Text(a)}/${m.scopePrefix} ends inside its range`).toBeGreaterThanOrEqual(hi);
      // ...and one bit shorter would take in another region (the scope is no longer than needed).
      if (m.scopePrefix > 0) {
        const h2 = host + 1;
        const plo = h2 === 32 ? 0 : Number((BigInt(a) >> BigInt(h2)) << BigInt(h2));
        const phi = plo + 2 ** h2 - 1;
        const pr = map.range4(plo);
        expect(map.regions[pr.regionIndex] !== m.region || pr.end < phi, `${v4Text(a)}/${m.scopePrefix - 1} would be uniform`).toBe(true);
      }
    }
  });

  it('ECS scope of IPv6 clients: both ends of the scope block answer like the client', () => {
    const rand = prng(8);
    for (let n = 0; n < 3000; n++) {
      const ip = new Uint8Array(16);
      ip[0] = 0x20 | Math.floor(rand() * 16); // 2000::/4, where allocations are
      for (let i = 1; i < 8; i++) ip[i] = Math.floor(rand() * 256);
      const m = map.lookup(ip);
      const lo = ip.slice();
      const hi = ip.slice();
      for (let bit = m.scopePrefix; bit < 128; bit++) {
        lo[bit >> 3]! &= ~(0x80 >> (bit & 7));
        hi[bit >> 3]! |= 0x80 >> (bit & 7);
      }
      expect(map.lookup(lo).region).toBe(m.region);
      expect(map.lookup(hi).region).toBe(m.region);
      expect(map.lookup(lo).scopePrefix).toBeLessThanOrEqual(m.scopePrefix);
    }
  });

  it('IPv4-mapped IPv6 is looked up as IPv4, scope in IPv6 terms', () => {
    const mapped = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 81, 2, 70, 1]);
    const plain = map.lookup(new Uint8Array([81, 2, 70, 1]));
    expect(map.lookup(mapped)).toEqual({ ...plain, scopePrefix: plain.scopePrefix + 96 });
  });

  it('compiles the same map in a worker thread and from the cache (same hash)', async () => {
    const again = await loadClientMap(policy);
    expect(again.map.hash).toBe(map.hash);
  });
});

describe('database problems', () => {
  it('rejects a corrupt database with E_GEO_DB_CORRUPT and a message naming the file', async () => {
    const file = path.join(dir, 'broken.mmdb');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const p = { ...policy, geo: { enabled: true, database: file } };
    expect(() => compileClientMapSync(p)).toThrow(GeoError);
    await expect(loadClientMap(p)).rejects.toMatchObject({ code: 'E_GEO_DB_CORRUPT', message: expect.stringContaining(file) });
  });

  it('rejects a missing database with E_GEO_DB_READ', async () => {
    const p = { ...policy, geo: { enabled: true, database: path.join(dir, 'nope.mmdb') } };
    await expect(loadClientMap(p)).rejects.toMatchObject({ code: 'E_GEO_DB_READ' });
  });

  it('reads an operator database given by path relative to the policy file', async () => {
    copyFileSync(embeddedDatabasePath(), path.join(dir, 'mine.mmdb'));
    const p = { ...policy, geo: { enabled: true, database: 'mine.mmdb' } };
    const c = await loadClientMap(p, path.join(dir, 'policy.yaml'));
    expect(c.database).toBe(path.join(dir, 'mine.mmdb'));
    expect(c.map.hash).toBe(map.hash); // same data, same map
    const { db } = await openDatabase(path.join(dir, 'mine.mmdb'));
    expect(db.locate('81.2.69.142')).toMatchObject({ country: 'GB', continent: 'EU' });
  });
});

describe('database record layouts', () => {
  it.each([
    ['GeoIP2/GeoLite2 City and DB-IP', { country: { iso_code: 'GB' }, continent: { code: 'EU' }, location: { latitude: 51.5, longitude: -0.12 } }, { country: 'GB', continent: 'EU', lat: 51.5, lon: -0.12 }],
    ['GeoIP2 Country (no location): the country\'s reference point', { country: { iso_code: 'JP' }, continent: { code: 'AS' } }, { country: 'JP', continent: 'AS', lat: 36, lon: 138 }],
    ['registered country only', { registered_country: { iso_code: 'DE' } }, { country: 'DE', continent: 'EU', lat: 51, lon: 9 }],
    ['ip-location-db country', { country_code: 'br' }, { country: 'BR', continent: 'SA', lat: -10, lon: -55 }],
    ['a country the table lacks, no coordinates', { country_code: 'XX' }, { country: 'XX' }],
    ['nothing usable', { foo: 1 }, {}],
  ])('%s', (_name, record, want) => {
    expect(recordLocation(record as Record<string, unknown>)).toEqual(want);
  });
});
