/**
 * The authoritative server queried with the real dig: exact answers, rcodes,
 * flags and ECS scope for the cases operators and resolvers hit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startDnsServer, type DnsServer } from '@edgesteer/dns-server';
import { dig } from './support/dns-dig.js';

const POLICY = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;
let server: DnsServer;
let soa: string;
let soaNeg: string;

beforeAll(async () => {
  server = await startDnsServer({ policyFile: POLICY, host: '127.0.0.1', port: 0, watch: false, logger: pino({ level: 'silent' }) });
  const serial = server.table.version;
  soa = `example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. ${serial} 3600 600 1209600 60`;
  soaNeg = soa.replace(' 300 ', ' 60 ');
});
afterAll(async () => {
  await server?.close();
});

interface Want {
  status: string;
  flags: string[];
  question?: string;
  answer: string[];
  authority?: string[];
  additional?: string[];
  /** dig's CLIENT-SUBNET line (address/source/scope); null = no ECS in the response. */
  ecs?: string | null;
  transport?: string;
}

const cases: Array<[string, string[], Want | (() => Want)]> = [
  ['ECS in eu-west → euw1, scope /16', ['cdn.example.com', 'A', '+subnet=10.2.3.0/24', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 30 IN A 127.0.0.12'], ecs: '10.2.3.0/24/16' }],
  ['ECS in ap-south → aps1', ['cdn.example.com', 'A', '+subnet=10.3.200.0/24', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 30 IN A 127.0.0.13'], ecs: '10.3.200.0/24/16' }],
  ['IPv6 ECS in eu-west, AAAA', ['cdn.example.com', 'AAAA', '+subnet=2001:db8:2::/56', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 30 IN AAAA fd00::12'], ecs: '2001:db8:2::/56/48' }],
  ['no ECS: source 127.0.0.1 → default region us-east', ['cdn.example.com', 'A', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 30 IN A 127.0.0.11'], ecs: null }],
  ['recursion asked: RD echoed, no RA', ['cdn.example.com', 'A'], { status: 'NOERROR', flags: ['aa', 'qr', 'rd'], answer: ['cdn.example.com. 30 IN A 127.0.0.11'] }],
  ['over TCP', ['cdn.example.com', 'AAAA', '+tcp', '+subnet=10.3.0.0/16', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 30 IN AAAA fd00::13'], ecs: '10.3.0.0/16/16', transport: 'TCP' }],
  ['SOA at the apex', ['example.com', 'SOA', '+norec'], () => ({ status: 'NOERROR', flags: ['aa', 'qr'], answer: [soa], ecs: null })],
  ['NS at the apex with glue', ['example.com', 'NS', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['example.com. 300 IN NS ns1.example.com.'], additional: ['ns1.example.com. 300 IN A 127.0.0.53', 'ns1.example.com. 300 IN AAAA fd00::53'] }],
  ['NS with ECS: scope /0 (same for everyone)', ['example.com', 'NS', '+subnet=10.2.3.0/24', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['example.com. 300 IN NS ns1.example.com.'], ecs: '10.2.3.0/24/0' }],
  ['nonexistent name: NXDOMAIN with the SOA', ['nope.example.com', 'A', '+norec'], () => ({ status: 'NXDOMAIN', flags: ['aa', 'qr'], answer: [], authority: [soaNeg] })],
  ['name below a steered name: NXDOMAIN', ['a.b.cdn.example.com', 'AAAA', '+norec'], () => ({ status: 'NXDOMAIN', flags: ['aa', 'qr'], answer: [], authority: [soaNeg] })],
  ['type the service does not serve: NODATA', ['api.eu.example.com', 'AAAA', '+norec'], () => ({ status: 'NOERROR', flags: ['aa', 'qr'], answer: [], authority: [soaNeg] })],
  ['empty non-terminal: NODATA', ['eu.example.com', 'A', '+norec'], () => ({ status: 'NOERROR', flags: ['aa', 'qr'], answer: [], authority: [soaNeg] })],
  ['other type at a steered name: NODATA', ['cdn.example.com', 'MX', '+norec'], () => ({ status: 'NOERROR', flags: ['aa', 'qr'], answer: [], authority: [soaNeg] })],
  ['two answers, failover order', ['api.eu.example.com', 'A', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['api.eu.example.com. 20 IN A 127.0.0.12', 'api.eu.example.com. 20 IN A 127.0.0.11'] }],
  ['name in another zone: REFUSED', ['cdn.example.net', 'A', '+norec'], { status: 'REFUSED', flags: ['qr'], answer: [], authority: [] }],
  ['mixed case: case kept in question and answer', ['CdN.ExAmPlE.CoM', 'A', '+norec', '+subnet=10.2.0.0/16'], { status: 'NOERROR', flags: ['aa', 'qr'], question: 'CdN.ExAmPlE.CoM. IN A', answer: ['CdN.ExAmPlE.CoM. 30 IN A 127.0.0.12'], ecs: '10.2.0.0/16/16' }],
  ['mixed case NXDOMAIN', ['NoPe.Example.COM', 'A', '+norec'], () => ({ status: 'NXDOMAIN', flags: ['aa', 'qr'], question: 'NoPe.Example.COM. IN A', answer: [], authority: [soaNeg.replace('example.com.', 'Example.COM.')] })],
  ['ANY: minimal HINFO (RFC 8482)', ['cdn.example.com', 'ANY', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: ['cdn.example.com. 300 IN HINFO "RFC8482" ""'] }],
  ['+bufsize=512 +ignore: TC, no records', ['big.example.com', 'A', '+bufsize=512', '+ignore', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr', 'tc'], answer: [], transport: 'UDP' }],
  ['no EDNS +ignore: TC', ['big.example.com', 'A', '+noedns', '+ignore', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr', 'tc'], answer: [] }],
  ['+bufsize=1232: 40 records fit', ['big.example.com', 'A', '+bufsize=1232', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: bigAnswer(), transport: 'UDP' }],
  ['+tcp: full answer', ['big.example.com', 'A', '+tcp', '+noedns', '+norec'], { status: 'NOERROR', flags: ['aa', 'qr'], answer: bigAnswer(), transport: 'TCP' }],
];

function bigAnswer(): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 8; i++) for (let j = 1; j <= 5; j++) out.push(`big.example.com. 60 IN A 127.0.${i}.${j}`);
  return out;
}

describe('edgesteer dns answers dig', () => {
  it.each(cases)('%s', async (_what, args, wantOrFn) => {
    const want = typeof wantOrFn === 'function' ? wantOrFn() : wantOrFn;
    const r = await dig('127.0.0.1', server.port, args);
    expect(r.status, r.raw).toBe(want.status);
    expect(r.flags, r.raw).toEqual(want.flags);
    expect(r.answer, r.raw).toEqual(want.answer);
    if (want.question !== undefined) expect(r.question).toEqual([want.question]);
    else expect(r.question).toHaveLength(1);
    if (want.authority !== undefined) expect(r.authority, r.raw).toEqual(want.authority);
    if (want.additional !== undefined) expect(r.additional, r.raw).toEqual(want.additional);
    if (want.ecs === null) expect(r.clientSubnet).toBeUndefined();
    else if (want.ecs !== undefined) expect(r.clientSubnet, r.raw).toBe(want.ecs);
    if (want.transport) expect(r.transport).toBe(want.transport);
  });

  it('TC over UDP makes dig retry over TCP and get the full answer', async () => {
    const r = await dig('127.0.0.1', server.port, ['big.example.com', 'A', '+bufsize=512', '+norec']);
    expect(r.raw).toContain('Truncated, retrying in TCP mode');
    expect(r.transport).toBe('TCP');
    expect(r.answer).toEqual(bigAnswer());
  });

  it('refuses zone transfers', async () => {
    const r = await dig('127.0.0.1', server.port, ['example.com', 'AXFR']);
    expect(r.raw).toMatch(/Transfer failed/);
  });

  it('advertises a 1232-byte EDNS payload', async () => {
    const r = await dig('127.0.0.1', server.port, ['cdn.example.com', '+bufsize=4096', '+norec']);
    expect(r.ednsUdp).toBe(1232);
  });

  it('counts queries by rcode, region and service', async () => {
    const before = server.metrics();
    await dig('127.0.0.1', server.port, ['cdn.example.com', '+subnet=10.3.0.0/16', '+norec']);
    await dig('127.0.0.1', server.port, ['missing.example.com', '+norec']);
    const after = server.metrics();
    expect(after.byRegion['ap-south'] ?? 0).toBe((before.byRegion['ap-south'] ?? 0) + 1);
    expect(after.byService['cdn'] ?? 0).toBe((before.byService['cdn'] ?? 0) + 1);
    expect(after.byRcode['NXDOMAIN'] ?? 0).toBe((before.byRcode['NXDOMAIN'] ?? 0) + 1);
    expect(after.queries).toBe(before.queries + 2);
    expect(after.table).toMatchObject({ version: server.table.version, hash: server.table.hash, source: 'local', stale: false });
  });
});
