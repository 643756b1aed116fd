import { describe, expect, it } from 'vitest';
import { buildRegionMatcher, tableForPolicy, type RoutingTable } from '@edgesteer/core';
import { decodeMessage, encodeQuery, ecsFromCidr, RCODE, TYPE, type DecodedMessage, type QuerySpec } from '@edgesteer/dns-wire';
import type { Policy } from '@edgesteer/policy/neutral';
import { createWorkerApp } from './app.js';
import { encodeBase64Url } from './base64url.js';
import { silentLogger } from './log.js';
import { MemoryStateStore } from './memory-store.js';
import { staticPolicySource } from './policy-source.js';
import { observation, signedReport, testPolicy, TEST_PROBE_KEYS } from './testing/fixtures.js';

const T0 = 1_790_000_000_000;

function setup(opts: { cf?: Record<string, string> } = {}) {
  const policy = testPolicy();
  const store = new MemoryStateStore();
  const clock = { now: T0 };
  const { app, engine } = createWorkerApp({
    store,
    policy: staticPolicySource(policy, 'test-policy.yaml', T0),
    keys: TEST_PROBE_KEYS,
    clock: () => clock.now,
    clientAddress: (c) => c.req.header('x-test-client'),
    ...(opts.cf ? { cfLocation: () => opts.cf } : {}),
    log: silentLogger(),
  });
  return { app, engine, store, policy, clock };
}

const query = (spec: Partial<QuerySpec> & { name: string }) => encodeQuery({ type: TYPE.A, ...spec });

/** The addresses every plane must answer for (service, region) in `table`. */
function expectedAddresses(policy: Policy, table: RoutingTable, service: string, region: string, family: 4 | 6 = 4): string[] {
  const answer = table.services[service]!.regions[region]!.answer;
  return answer.flatMap((id) => {
    const e = policy.edges.find((x) => x.id === id)!;
    return family === 4 ? e.ipv4 : e.ipv6;
  });
}

const addresses = (m: DecodedMessage) => m.answers.map((a) => (a.data.kind === 'address' ? a.data.address : '?'));

async function dohGet(app: ReturnType<typeof setup>['app'], msg: Uint8Array, headers: Record<string, string> = {}) {
  return app.request(`/dns-query?dns=${encodeBase64Url(msg)}`, { headers: { accept: 'application/dns-message', ...headers } });
}

async function dohPost(app: ReturnType<typeof setup>['app'], msg: Uint8Array, headers: Record<string, string> = {}) {
  return app.request('/dns-query', { method: 'POST', body: msg, headers: { 'content-type': 'application/dns-message', ...headers } });
}

async function errorOf(res: Response): Promise<{ code: string; message: string; reason?: string; problems?: unknown[] }> {
  const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
  expect(body.ok).toBe(false);
  return body.error;
}

describe('DoH answers (GET and POST)', () => {
  const regions = [
    { subnet: '10.1.7.0/24', region: 'us-east' },
    { subnet: '10.2.3.0/24', region: 'eu-west' },
    { subnet: '10.3.9.0/24', region: 'ap-south' },
    { subnet: '2001:db8:2:4::/56', region: 'eu-west' },
    { subnet: '192.168.0.0/24', region: 'us-east' }, // unmatched → default region
  ];
  for (const method of ['GET', 'POST'] as const) {
    for (const { subnet, region } of regions) {
      it(`${method}: ECS ${subnet} gets the ${region} answer, echoed scope, public cache`, async () => {
        const { app, policy } = setup();
        const table = tableForPolicy(policy, T0);
        const msg = query({ name: 'cdn.example.com', id: 0, edns: { ecs: ecsFromCidr(subnet) } });
        const res = method === 'GET' ? await dohGet(app, msg) : await dohPost(app, msg);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/dns-message');
        expect(res.headers.get('cache-control')).toBe(`public, max-age=${policy.services[0]!.ttl}`);
        const m = decodeMessage(new Uint8Array(await res.arrayBuffer()));
        expect(m.rcode).toBe(RCODE.NOERROR);
        expect(m.flags.aa).toBe(true);
        expect(addresses(m)).toEqual(expectedAddresses(policy, table, 'cdn', region));
        const ecs = ecsFromCidr(subnet);
        expect(m.edns?.ecs?.sourcePrefix).toBe(ecs.sourcePrefix);
        // The scope is core's: how much of the address the region match depended on.
        const match = buildRegionMatcher(policy).match(ecs.address.slice(0, ecs.family === 1 ? 4 : 16), ecs.sourcePrefix);
        expect(match.region).toBe(region);
        expect(m.edns?.ecs?.scopePrefix).toBe(match.scopePrefix);
        // A matched network answers alike throughout, so the scope is at most its prefix (shorter when a neighbour answers the same).
        if (match.matched) expect(match.scopePrefix).toBeLessThanOrEqual(subnet.includes(':') ? 48 : 16);
      });
    }
  }

  it('without ECS the connecting address picks the region, and the answer is private to it', async () => {
    const { app, policy } = setup();
    const table = tableForPolicy(policy, T0);
    for (const [client, region] of [['10.3.0.9', 'ap-south'], ['::ffff:10.2.0.1', 'eu-west'], ['2001:db8:1::5', 'us-east']] as const) {
      const res = await dohPost(app, query({ name: 'cdn.example.com', type: client.includes('2001') ? TYPE.AAAA : TYPE.A }), { 'x-test-client': client });
      expect(res.headers.get('cache-control')).toBe('private, max-age=30');
      expect(res.headers.get('x-edgesteer-region')).toBe(region);
      const m = decodeMessage(new Uint8Array(await res.arrayBuffer()));
      expect(addresses(m)).toEqual(expectedAddresses(policy, table, 'cdn', region, client.includes('2001') ? 6 : 4));
    }
  });

  it('api answers its two best edges; mixed-case names keep their case', async () => {
    const { app, policy } = setup();
    const table = tableForPolicy(policy, T0);
    const res = await dohGet(app, query({ name: 'API.Example.COM', edns: { ecs: ecsFromCidr('10.2.0.0/24') } }));
    const m = decodeMessage(new Uint8Array(await res.arrayBuffer()));
    expect(m.questions[0]!.name).toBe('API.Example.COM');
    expect(addresses(m)).toEqual(expectedAddresses(policy, table, 'api', 'eu-west'));
    expect(addresses(m)).toHaveLength(2);
  });

  it('NXDOMAIN and NODATA carry the SOA; Cache-Control is the negative TTL min(zone TTL, MINIMUM)', async () => {
    const { app, policy } = setup();
    const zone = policy.zones[0]!;
    const negative = Math.min(zone.ttl, zone.soa.minimum);
    for (const [name, type, rcode] of [['nope.example.com', TYPE.A, RCODE.NXDOMAIN], ['api.example.com', TYPE.AAAA, RCODE.NOERROR]] as const) {
      const res = await dohGet(app, query({ name, type }));
      expect(res.status).toBe(200);
      const m = decodeMessage(new Uint8Array(await res.arrayBuffer()));
      expect(m.rcode).toBe(rcode);
      expect(m.answers).toHaveLength(0);
      expect(m.authorities.map((r) => [r.name, r.type, r.ttl])).toEqual([['example.com', TYPE.SOA, negative]]);
      expect(res.headers.get('cache-control')).toBe(`public, max-age=${negative}`);
    }
  });

  it('a name outside every zone is REFUSED (200, a DNS answer) and not cacheable', async () => {
    const { app } = setup();
    const res = await dohGet(app, query({ name: 'www.other.org' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(decodeMessage(new Uint8Array(await res.arrayBuffer())).rcode).toBe(RCODE.REFUSED);
  });

  it('a non-QUERY opcode is a well-formed message: 200 with NOTIMP', async () => {
    const { app } = setup();
    const msg = query({ name: 'cdn.example.com' });
    msg[2] = (msg[2]! & 0x87) | (2 << 3); // opcode STATUS
    const res = await dohPost(app, msg);
    expect(res.status).toBe(200);
    expect(decodeMessage(new Uint8Array(await res.arrayBuffer())).rcode).toBe(RCODE.NOTIMP);
  });
});

describe('DoH bad input: clear 4xx, never a crash', () => {
  const valid = query({ name: 'cdn.example.com' });
  const truncatedQuestion = valid.slice(0, 20);
  const twoQuestions = valid.slice();
  twoQuestions[5] = 2;
  const response = valid.slice();
  response[2] = response[2]! | 0x80;
  const loop = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  const badLabel = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x45, 0x61, 0, 0, 1, 0, 1]);

  const malformed: Array<[string, Uint8Array]> = [
    ['empty body', new Uint8Array(0)],
    ['shorter than a header', new Uint8Array([1, 2, 3, 4, 5])],
    ['a response (QR set)', response],
    ['question cut off', truncatedQuestion],
    ['two questions', twoQuestions],
    ['compression loop in the question', loop],
    ['reserved label type', badLabel],
  ];
  for (const [what, body] of malformed) {
    it(`POST ${what} → 400 E_DOH_MALFORMED`, async () => {
      const { app } = setup();
      const res = await dohPost(app, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('E_DOH_MALFORMED');
    });
    if (body.length > 0) {
      it(`GET ${what} → 400 E_DOH_MALFORMED`, async () => {
        const { app } = setup();
        const res = await dohGet(app, body);
        expect(res.status).toBe(400);
        expect((await errorOf(res)).code).toBe('E_DOH_MALFORMED');
      });
    }
  }

  const contentTypes: Array<[string, Record<string, string>]> = [
    ['no content type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/json', { 'content-type': 'application/json' }],
    ['application/dns-json', { 'content-type': 'application/dns-json' }],
  ];
  for (const [what, headers] of contentTypes) {
    it(`POST with ${what} → 415 E_DOH_CONTENT_TYPE`, async () => {
      const { app } = setup();
      const res = await app.request('/dns-query', { method: 'POST', body: valid, headers });
      expect(res.status).toBe(415);
      expect(res.headers.get('accept')).toBe('application/dns-message');
      expect((await errorOf(res)).code).toBe('E_DOH_CONTENT_TYPE');
    });
  }

  it('POST with a media type parameter is accepted', async () => {
    const { app } = setup();
    const res = await app.request('/dns-query', { method: 'POST', body: valid, headers: { 'content-type': 'Application/DNS-Message; charset=binary' } });
    expect(res.status).toBe(200);
  });

  it('POST over 65,535 bytes → 413, declared or streamed', async () => {
    const { app } = setup();
    const big = new Uint8Array(65_536);
    big.set(valid);
    const declared = await app.request('/dns-query', { method: 'POST', body: big, headers: { 'content-type': 'application/dns-message', 'content-length': String(big.length) } });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('E_BODY_TOO_LARGE');
    // No Content-Length: the limit is enforced while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 10; i++) ctl.enqueue(new Uint8Array(8192));
        ctl.close();
      },
    });
    const streamed = await app.request('/dns-query', { method: 'POST', body: stream, headers: { 'content-type': 'application/dns-message' }, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  const badBase64: Array<[string, string]> = [
    ['standard base64 characters', encodeBase64Url(valid).replace(/-|_/g, '+') + '+/'],
    ['a space', 'AAAB AAAB'],
    ['a percent-decoded non-ASCII character', 'AAA\u00e9'],
    ['an impossible length', 'A'],
    ['misplaced padding', 'AA=A'],
    ['too much padding', 'AA==='],
    ['non-zero trailing bits', 'AB'],
  ];
  for (const [what, dns] of badBase64) {
    it(`GET dns= with ${what} → 400 E_DOH_BAD_BASE64URL`, async () => {
      const { app } = setup();
      const res = await app.request(`/dns-query?dns=${encodeURIComponent(dns)}`);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('E_DOH_BAD_BASE64URL');
    });
  }

  it('GET without dns= → 400 E_DOH_MISSING_PARAM; an over-long dns= → 414', async () => {
    const { app } = setup();
    const missing = await app.request('/dns-query');
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe('E_DOH_MISSING_PARAM');
    const long = await app.request(`/dns-query?dns=${'A'.repeat(90_000)}`);
    expect(long.status).toBe(414);
  });

  it('padded base64url (which some clients send) is accepted', async () => {
    const { app } = setup();
    const msg = query({ name: 'cdn.example.com', id: 7 });
    let dns = encodeBase64Url(msg);
    while (dns.length % 4) dns += '=';
    const res = await app.request(`/dns-query?dns=${dns}`);
    expect(res.status).toBe(200);
  });

  it('other methods → 405 with Allow', async () => {
    const { app } = setup();
    const res = await app.request('/dns-query', { method: 'PUT', body: valid });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('request.cf (Cloudflare), where the address tells nothing', () => {
  it('places an address the client map does not know by request.cf, through the policy rules', async () => {
    const policy = testPolicy();
    const table = tableForPolicy(policy, T0);
    for (const [cf, region] of [
      [{ colo: 'SIN', country: 'SG', continent: 'AS' }, 'ap-south'], // nearest: ap-southeast-1
      [{ colo: 'FRA', country: 'DE', continent: 'EU' }, 'eu-west'],
      [{ colo: 'IAD', country: 'US', continent: 'NA' }, 'us-east'],
      [{ latitude: '48.14', longitude: '11.58' }, 'eu-west'], // coordinates alone (Munich)
    ] as const) {
      const { app } = setup({ cf });
      const res = await dohPost(app, query({ name: 'cdn.example.com' }), { 'x-test-client': '203.0.113.9' });
      expect(res.headers.get('x-edgesteer-region'), JSON.stringify(cf)).toBe(region);
      expect(addresses(decodeMessage(new Uint8Array(await res.arrayBuffer())))).toEqual(expectedAddresses(policy, table, 'cdn', region));
      const steer = (await (await app.request('/steer/cdn?format=json', { headers: { 'x-test-client': '203.0.113.9' } })).json()) as { region: string; regionSource: string; rule: string };
      expect(steer).toMatchObject({ region, regionSource: 'cf', rule: 'distance' });
    }
  });

  it('never overrides ECS or an address the map knows', async () => {
    const { app } = setup({ cf: { colo: 'SIN', country: 'SG' } });
    const viaEcs = await dohPost(app, query({ name: 'cdn.example.com', edns: { ecs: ecsFromCidr('10.2.0.0/24') } }), { 'x-test-client': '203.0.113.9' });
    expect(viaEcs.headers.get('x-edgesteer-region')).toBe('eu-west');
    const viaAddress = await dohPost(app, query({ name: 'cdn.example.com' }), { 'x-test-client': '10.1.2.3' });
    expect(viaAddress.headers.get('x-edgesteer-region')).toBe('us-east');
  });
});

describe('GET /resolve (JSON)', () => {
  it('answers like public DoH JSON APIs, from the same plane', async () => {
    const { app, policy } = setup();
    const table = tableForPolicy(policy, T0);
    const res = await app.request('/resolve?name=cdn.example.com&type=A&edns_client_subnet=10.3.1.0/24', { headers: { accept: 'application/dns-json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dns-json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    const body = await res.json();
    expect(body).toEqual({
      Status: 0,
      TC: false,
      RD: true,
      RA: false,
      AD: false,
      CD: false,
      Question: [{ name: 'cdn.example.com.', type: 1 }],
      Answer: expectedAddresses(policy, table, 'cdn', 'ap-south').map((data) => ({ name: 'cdn.example.com.', type: 1, TTL: 30, data })),
      edns_client_subnet: '10.3.1.0/16',
    });
  });

  it('NXDOMAIN with the SOA in Authority; type by number; SOA rendered in presentation format', async () => {
    const { app, policy } = setup();
    const z = policy.zones[0]!;
    const nx = (await (await app.request('/resolve?name=nope.example.com&type=1')).json()) as Record<string, unknown>;
    expect(nx['Status']).toBe(3);
    expect(nx['Answer']).toBeUndefined();
    expect(nx['Authority']).toEqual([
      { name: 'example.com.', type: 6, TTL: Math.min(z.ttl, z.soa.minimum), data: `ns1.example.com. hostmaster.example.com. ${table1Serial(policy)} ${z.soa.refresh} ${z.soa.retry} ${z.soa.expire} ${z.soa.minimum}` },
    ]);
    const ns = (await (await app.request('/resolve?name=example.com&type=NS')).json()) as { Answer: unknown[] };
    expect(ns.Answer).toEqual([{ name: 'example.com.', type: 2, TTL: z.ttl, data: 'ns1.example.com.' }]);
  });

  const bad: Array<[string, string, number]> = [
    ['', 'E_RESOLVE_BAD_NAME', 400],
    ['?type=A', 'E_RESOLVE_BAD_NAME', 400],
    ['?name=bad..name&type=A', 'E_RESOLVE_BAD_NAME', 400],
    ['?name=' + 'a'.repeat(64) + '.example.com', 'E_RESOLVE_BAD_NAME', 400],
    ['?name=x y', 'E_RESOLVE_BAD_NAME', 400],
    ['?name=cdn.example.com&type=BOGUS', 'E_RESOLVE_BAD_TYPE', 400],
    ['?name=cdn.example.com&type=70000', 'E_RESOLVE_BAD_TYPE', 400],
    ['?name=cdn.example.com&edns_client_subnet=10.2.0.0/33', 'E_BAD_SUBNET', 400],
    ['?name=cdn.example.com&edns_client_subnet=banana', 'E_BAD_SUBNET', 400],
  ];
  for (const [qs, code, status] of bad) {
    it(`/resolve${qs} → ${status} ${code}`, async () => {
      const { app } = setup();
      const res = await app.request(`/resolve${qs}`);
      expect(res.status).toBe(status);
      expect((await errorOf(res)).code).toBe(code);
    });
  }
});

/** The SOA serial of the assume-up table (the table version, unless the policy fixes one). */
function table1Serial(policy: Policy): number {
  return policy.zones[0]!.soa.serial ?? tableForPolicy(policy, T0).version;
}

describe('GET /steer/:service', () => {
  it('redirects each region to its best edge, keeping path and query', async () => {
    const { app, policy } = setup();
    const table = tableForPolicy(policy, T0);
    for (const [client, region] of [['10.1.0.1', 'us-east'], ['10.2.0.1', 'eu-west'], ['10.3.0.1', 'ap-south']] as const) {
      const res = await app.request('/steer/cdn/assets/app.js?v=3&x=a%20b', { headers: { 'x-test-client': client } });
      expect(res.status).toBe(302);
      const edge = policy.edges.find((e) => e.id === table.services['cdn']!.regions[region]!.answer[0])!;
      const scheme = edge.check.type === 'https' ? 'https' : 'http';
      const port = edge.check.port && edge.check.port !== (scheme === 'https' ? 443 : 80) ? `:${edge.check.port}` : '';
      expect(res.headers.get('location')).toBe(`${scheme}://${edge.ipv4[0]}${port}/assets/app.js?v=3&x=a+b`);
      expect(res.headers.get('cache-control')).toBe('private, max-age=30');
      expect(res.headers.get('x-edgesteer-region')).toBe(region);
    }
  });

  it('accepts the DNS name, and edns_client_subnet as an explicit client network', async () => {
    const { app } = setup();
    const res = await app.request('/steer/CDN.example.com.?edns_client_subnet=10.2.9.0/24', { headers: { 'x-test-client': '10.3.0.1' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('x-edgesteer-region')).toBe('eu-west');
    expect(res.headers.get('location')).toMatch(/^https:\/\/127\.0\.0\.12\/$/);
  });

  it('?format=json returns the decision and core explain()’s reasons', async () => {
    const { app, policy } = setup();
    const table = tableForPolicy(policy, T0);
    const res = await app.request('/steer/cdn/p?format=json', { headers: { 'x-test-client': '10.3.0.1' } });
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown> & { reasons: string[]; explanation: { edges: Array<{ edge: string }> } };
    const entry = table.services['cdn']!.regions['ap-south']!;
    expect(d).toMatchObject({ service: 'cdn', region: 'ap-south', regionSource: 'address', client: '10.3.0.1', edge: entry.answer[0], answer: entry.answer, ranked: entry.ranked, mode: 'ranked', ttl: 30 });
    expect(d['location']).toBe('http://127.0.0.13:8080/p');
    expect(d.reasons[0]).toContain('latency steering answers');
    expect(d.explanation.edges.map((e) => e.edge).sort()).toEqual(['aps1', 'euw1', 'use1']);
  });

  // #14 row 8: the service segment was decoded twice, so "%25zz" → "%zz" → URIError → 500.
  it.each(['/steer/%25zz', '/steer/%zz', '/steer/%25zz/deeper/path', '/steer/%E0%A4%A'])('%s → 404 E_STEER_UNKNOWN_SERVICE, never 500', async (path) => {
    const { app } = setup();
    const res = await app.request(path);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('E_STEER_UNKNOWN_SERVICE');
  });

  it('decodes the service segment exactly once', async () => {
    const { app } = setup();
    const res = await app.request('/steer/cd%6E/a%20b', { headers: { 'x-test-client': '10.2.0.1' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/\/a%20b$/);
  });

  it('unknown service → 404; bad subnet → 400', async () => {
    const { app } = setup();
    const unknown = await app.request('/steer/nope');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('E_STEER_UNKNOWN_SERVICE');
    const bad = await app.request('/steer/cdn?edns_client_subnet=10.0.0.0/99');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('E_BAD_SUBNET');
  });
});

describe('GET /healthz and /v1/table', () => {
  it('reports the table version, hash and age, and the assume-up start', async () => {
    const { app, policy, clock } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    clock.now = T0 + 2500;
    const h = (await (await app.request('/healthz')).json()) as { ok: boolean; table: Record<string, unknown>; state: Record<string, unknown>; policy: Record<string, unknown> };
    const table = tableForPolicy(policy, T0);
    expect(h.ok).toBe(true);
    expect(h.table).toMatchObject({ version: table.version, hash: table.hash, policyHash: table.policyHash, assumeUp: true, ageMs: 2500 });
    expect(h.state).toMatchObject({ store: 'memory', rev: 0, reports: 0 });
    expect(h.policy).toMatchObject({ source: 'test-policy.yaml' });
    const t = (await (await app.request('/v1/table')).json()) as RoutingTable;
    expect(t.hash).toBe(table.hash);
  });

  it('unknown routes → 404 JSON', async () => {
    const { app } = setup();
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('E_NOT_FOUND');
  });
});
