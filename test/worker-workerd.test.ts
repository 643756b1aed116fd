/**
 * The Worker in workerd (wrangler dev, Durable Object state, bundled policy)
 * queried with the real `dig +http-plain` (POST) and `+http-plain-get` (GET).
 * One wrangler dev for the whole file: it is the slow part.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, ingest, initialState, tableForPolicy, type DecisionState, type Observation, type RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { observation, signedReport, testPolicy, TEST_POLICY_YAML, TEST_PROBE_KEYS_TEXT } from '@edgesteer/worker/testing';
import { dig } from './support/dns-dig.js';
import { startH2cRelay, startWranglerDev, type H2cRelay, type WranglerDev } from './support/worker-harness.js';

const policy: Policy = testPolicy();
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
/** request.cf of every request in this test: Singapore, nearest to ap-south (ap-southeast-1). */
const CF = { colo: 'SIN', country: 'SG', continent: 'AS' };

let dir: string;
let dev: WranglerDev;
let relay: H2cRelay;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgesteer-workerd-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, TEST_POLICY_YAML);
  dev = await startWranglerDev({
    policyFile,
    cf: CF,
    vars: {
      EDGESTEER_PROBE_KEYS: TEST_PROBE_KEYS_TEXT,
      // Read the Durable Object on every request, so an ingest shows in the very next answer.
      STATE_CACHE_MS: '0',
    },
  });
  relay = await startH2cRelay(dev.url);
}, 90_000);

afterAll(async () => {
  await relay?.close();
  await dev?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Address records expected for (service, region) in `table`, as dig prints them. */
function expectedRecords(table: RoutingTable, service: string, region: string, type: 'A' | 'AAAA' = 'A'): string[] {
  const svc = policy.services.find((s) => s.id === service)!;
  return table.services[service]!.regions[region]!.answer.flatMap((id) => {
    const e = policy.edges.find((x) => x.id === id)!;
    return (type === 'A' ? e.ipv4 : e.ipv6).map((a) => `${svc.name}. ${svc.ttl} IN ${type} ${a}`);
  });
}

const doh = (mode: 'post' | 'get', args: string[]) => dig('127.0.0.1', relay.port, [mode === 'post' ? '+http-plain' : '+http-plain-get', ...args]);

describe('workerd: DoH answers with dig', () => {
  const assumeUp = tableForPolicy(policy, Date.now());
  const subnets = [
    // us-east is the default region: 10.0.0.0/16 next to its /16 (private, in no database) answers alike, so the scope is /15.
    { subnet: '10.1.4.0/24', region: 'us-east', scope: 15 },
    { subnet: '10.2.3.0/24', region: 'eu-west', scope: 16 },
    { subnet: '10.3.200.0/24', region: 'ap-south', scope: 16 },
  ];
  for (const mode of ['post', 'get'] as const) {
    for (const { subnet, region, scope } of subnets) {
      it(`${mode === 'post' ? '+http-plain' : '+http-plain-get'} +subnet=${subnet} → ${region}'s edge, ECS scope /${scope}`, async () => {
        const r = await doh(mode, [`+subnet=${subnet}`, 'cdn.example.com', 'A']);
        expect(r.raw).toContain(mode === 'post' ? '(HTTP)' : '(HTTP-GET)');
        expect(r.status).toBe('NOERROR');
        expect(r.flags).toEqual(['aa', 'qr', 'rd']);
        expect(r.answer).toEqual(expectedRecords(assumeUp, 'cdn', region));
        expect(r.clientSubnet).toBe(`${subnet}/${scope}`);
      });
    }
  }

  it('AAAA, and api’s two answers', async () => {
    const v6 = await doh('get', ['+subnet=2001:db8:2::/56', 'cdn.example.com', 'AAAA']);
    expect(v6.answer).toEqual(expectedRecords(assumeUp, 'cdn', 'eu-west', 'AAAA'));
    expect(v6.clientSubnet).toBe('2001:db8:2::/56/48');
    const api = await doh('post', ['+subnet=10.1.0.0/24', 'api.example.com', 'A']);
    expect(api.answer).toEqual(expectedRecords(assumeUp, 'api', 'us-east'));
    expect(api.answer).toHaveLength(2);
  });

  it('NXDOMAIN and NODATA carry the zone SOA with the negative TTL', async () => {
    const z = policy.zones[0]!;
    const soa = (version: number) => `example.com. ${Math.min(z.ttl, z.soa.minimum)} IN SOA ns1.example.com. hostmaster.example.com. ${version} ${z.soa.refresh} ${z.soa.retry} ${z.soa.expire} ${z.soa.minimum}`;
    const nx = await doh('get', ['nope.example.com', 'A']);
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.answer).toEqual([]);
    expect(nx.authority).toEqual([soa(assumeUp.version)]);
    const nodata = await doh('post', ['api.example.com', 'AAAA']);
    expect(nodata.status).toBe('NOERROR');
    expect(nodata.answer).toEqual([]);
    expect(nodata.authority).toEqual([soa(assumeUp.version)]);
    const refused = await doh('get', ['www.example.org', 'A']);
    expect(refused.status).toBe('REFUSED');
  });

  it('without ECS, request.cf places the client (127.0.0.1 is in no network and no database record)', async () => {
    const r = await doh('get', ['cdn.example.com', 'A']);
    expect(r.answer).toEqual(expectedRecords(assumeUp, 'cdn', 'ap-south'));
    const steer = (await (await fetch(`${dev.url}/steer/cdn?format=json`)).json()) as { region: string; regionSource: string; rule: string; via: string };
    expect(steer).toMatchObject({ region: 'ap-south', regionSource: 'cf', rule: 'distance', via: 'country:SG' });
  });

  it('publishes the bundled client map (the same one the DNS server compiles)', async () => {
    const health = (await (await fetch(`${dev.url}/healthz`)).json()) as { clientMapHash: string; clientMap: { v4Ranges: number; source: string } };
    expect(health.clientMapHash).toMatch(/^[0-9a-f]{64}$/);
    expect(health.clientMap.v4Ranges).toBeGreaterThan(1000);
    expect(health.clientMap.source).not.toBe('none');
    const table = await fetch(`${dev.url}/v1/table`);
    expect(table.headers.get('x-edgesteer-client-map-hash')).toBe(health.clientMapHash);
  });
});

describe('workerd: bad input over HTTP/1.1', () => {
  const cases: Array<[string, RequestInit & { path: string }, number, string]> = [
    ['bad base64url', { path: '/dns-query?dns=AB%2B%2F' }, 400, 'E_DOH_BAD_BASE64URL'],
    ['wrong content type', { path: '/dns-query', method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }, 415, 'E_DOH_CONTENT_TYPE'],
    ['oversized body', { path: '/dns-query', method: 'POST', body: new Uint8Array(70_000), headers: { 'content-type': 'application/dns-message' } }, 413, 'E_BODY_TOO_LARGE'],
    ['malformed message', { path: '/dns-query', method: 'POST', body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/dns-message' } }, 400, 'E_DOH_MALFORMED'],
    ['unsigned report', { path: '/v1/observations', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, 401, 'E_AUTH_MISSING'],
  ];
  for (const [what, { path, ...init }, status, code] of cases) {
    it(`${what} → ${status} ${code}`, async () => {
      const res = await fetch(dev.url + path, init);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    });
  }
});

describe('workerd: signed ingest into the Durable Object', () => {
  it('moves answers when quorum regions see an edge down; replays and forgeries change nothing', async () => {
    let state: DecisionState = initialState();
    let seq = Date.now();
    const send = async (region: string, obs: Observation[]) => {
      const now = Date.now();
      const r = await signedReport(region, seq++, obs, now);
      const res = await fetch(`${dev.url}/v1/observations`, { method: 'POST', body: r.body, headers: r.headers });
      expect(res.status, await res.clone().text()).toBe(200);
      state = decide(policy, ingest(state, policy, obs), now).state;
      return r;
    };
    const rtt = { use1: 30, euw1: 8, aps1: 60 };
    // Rounds 1-2: all up; round 3-5: eu-west's edge times out from every region.
    let last;
    for (let round = 0; round < 5; round++) {
      for (const region of REGIONS) {
        const at = Date.now() - 5;
        last = await send(region, Object.entries(rtt).map(([edge, ms]) => observation(region, edge, at, round >= 2 && edge === 'euw1' ? null : ms)));
      }
    }
    const expected = decide(policy, state, Date.now()).table;
    expect(expected.edges['euw1']!.up).toBe(false);

    const table = (await (await fetch(`${dev.url}/v1/table`)).json()) as RoutingTable;
    expect(table.hash).toBe(expected.hash);
    for (const { subnet, region } of [{ subnet: '10.2.3.0/24', region: 'eu-west' }, { subnet: '10.1.3.0/24', region: 'us-east' }]) {
      const r = await doh('post', [`+subnet=${subnet}`, 'cdn.example.com', 'A']);
      expect(r.answer).toEqual(expectedRecords(expected, 'cdn', region));
      expect(r.answer.join()).not.toContain('127.0.0.12');
    }

    // The last report again, byte for byte: refused, nothing moves.
    const replay = await fetch(`${dev.url}/v1/observations`, { method: 'POST', body: last!.body, headers: last!.headers });
    expect(replay.status).toBe(409);
    const forged = await fetch(`${dev.url}/v1/observations`, {
      method: 'POST',
      body: last!.body.replace('"ok":false', '"ok":true'),
      headers: { ...last!.headers, 'x-edgesteer-timestamp': String(Date.now()) },
    });
    expect(forged.status).toBe(401);
    const after = (await (await fetch(`${dev.url}/v1/table`)).json()) as RoutingTable;
    expect(after.hash).toBe(expected.hash);

    type Health = { table: { version: number; hash: string }; state: { store: string; reports: number }; policy: { source: string; loadedAt: number } };
    const health = (await (await fetch(`${dev.url}/healthz`)).json()) as Health;
    expect(health.state).toMatchObject({ store: 'durable-object', reports: 15 });
    expect(health.table.hash).toBe(expected.hash);
    // The bundled policy is parsed once per isolate, not per request.
    expect(health.policy.source).toMatch(/^bundled:.*policy\.yaml$/);
    const again = (await (await fetch(`${dev.url}/healthz`)).json()) as Health;
    expect(again.policy.loadedAt).toBe(health.policy.loadedAt);
  });
});
