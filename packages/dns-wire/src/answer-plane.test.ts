import { PolicySchema } from '@edgesteer/policy/neutral';
import { describe, expect, it } from 'vitest';
import { buildAnswerPlane, type AnswerInfo, type AnswerPlane, type Transport } from './answer-plane.js';
import { CLASS, RCODE, TYPE } from './constants.js';
import { ecsFromCidr } from './ecs.js';
import { decodeMessage, encodeQuery, type DecodedMessage, type ResourceRecord } from './message.js';
import { fixtureOptions, fixturePolicy, regionalTable, testMatcher } from './test-fixture.js';

const policy = fixturePolicy();
const plane = buildAnswerPlane(policy, regionalTable(policy), fixtureOptions(policy));

interface Ask {
  name: string;
  type?: number;
  qclass?: number;
  ecs?: string;
  client?: string;
  edns?: boolean;
  udpSize?: number;
  rd?: boolean;
  cd?: boolean;
  dnssecOk?: boolean;
  transport?: Transport;
}

function ask(p: AnswerPlane, a: Ask): { res: DecodedMessage; raw: Uint8Array; info: AnswerInfo } {
  const edns = a.edns || a.ecs !== undefined || a.udpSize !== undefined || a.dnssecOk;
  const query = encodeQuery({
    id: 0xbeef,
    name: a.name,
    type: a.type ?? TYPE.A,
    class: a.qclass ?? CLASS.IN,
    rd: a.rd ?? false,
    cd: a.cd ?? false,
    ...(edns ? { edns: { udpSize: a.udpSize ?? 1232, dnssecOk: a.dnssecOk ?? false, ...(a.ecs ? { ecs: ecsFromCidr(a.ecs) } : {}) } } : {}),
  });
  const info: AnswerInfo = { rcode: 0, service: undefined, region: undefined, truncated: false };
  const raw = p.answer(query, a.client ?? '127.0.0.1', { transport: a.transport ?? 'udp', info });
  if (!raw) throw new Error('no response');
  return { res: decodeMessage(raw), raw, info };
}

const rr = (r: ResourceRecord) => {
  const d = r.data;
  const text =
    d.kind === 'address' ? d.address
    : d.kind === 'name' ? d.name
    : d.kind === 'soa' ? `${d.soa.mname} ${d.soa.rname} ${d.soa.serial} ${d.soa.refresh} ${d.soa.retry} ${d.soa.expire} ${d.soa.minimum}`
    : d.kind === 'hinfo' ? `"${d.cpu}" "${d.os}"`
    : '?';
  return `${r.name} ${r.ttl} ${Object.entries(TYPE).find(([, v]) => v === r.type)?.[0] ?? r.type} ${text}`;
};

const SOA_COM = 'example.com 60 SOA ns1.example.com hostmaster.example.com 7 3600 600 1209600 60';

describe('answer plane: authoritative answers', () => {
  it.each<[string, Ask, { rcode: number; aa: boolean; answer: string[]; authority?: string[]; additional?: string[]; scope?: number | null }]>([
    ['steered A, ECS in eu-west', { name: 'cdn.example.com', ecs: '10.2.3.0/24' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.12'], scope: 16 }],
    ['steered A, ECS in ap-south', { name: 'cdn.example.com', ecs: '10.3.0.0/16' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.13'], scope: 16 }],
    ['steered A, IPv6 ECS in eu-west', { name: 'cdn.example.com', ecs: '2001:db8:2::/56' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.12'], scope: 48 }],
    ['steered A, source address in ap-south', { name: 'cdn.example.com', client: '10.3.9.9' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.13'], scope: null }],
    ['steered A, IPv4-mapped source in eu-west', { name: 'cdn.example.com', client: '::ffff:10.2.0.1' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.12'], scope: null }],
    ['steered A, unmatched source: default region', { name: 'cdn.example.com', client: '192.168.1.1' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.11'], scope: null }],
    ['steered AAAA, ECS in eu-west', { name: 'cdn.example.com', type: TYPE.AAAA, ecs: '10.2.3.0/24' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 AAAA fd00::12'], scope: 16 }],
    ['steered AAAA, region edge without IPv6: NODATA', { name: 'cdn.example.com', type: TYPE.AAAA, ecs: '10.3.3.0/24' }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM], scope: 16 }],
    ['two answers, in table order', { name: 'api.eu.example.com', client: '10.2.0.9' }, { rcode: 0, aa: true, answer: ['api.eu.example.com 20 A 127.0.0.12', 'api.eu.example.com 20 A 127.0.0.11'] }],
    ['type not served by the service: NODATA, scope 0', { name: 'api.eu.example.com', type: TYPE.AAAA, ecs: '10.2.3.0/24' }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM], scope: 0 }],
    ['empty non-terminal: NODATA', { name: 'eu.example.com' }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM] }],
    ['apex SOA', { name: 'example.com', type: TYPE.SOA }, { rcode: 0, aa: true, answer: ['example.com 300 SOA ns1.example.com hostmaster.example.com 7 3600 600 1209600 60'] }],
    ['apex SOA with a fixed serial', { name: 'example.org', type: TYPE.SOA }, { rcode: 0, aa: true, answer: ['example.org 600 SOA ns1.example.com hostmaster.example.org 2024010101 3600 600 1209600 900'] }],
    ['apex NS with in-zone glue only', { name: 'example.com', type: TYPE.NS, ecs: '10.2.3.0/24' }, { rcode: 0, aa: true, answer: ['example.com 300 NS ns1.example.com', 'example.com 300 NS ns.other.net'], additional: ['ns1.example.com 300 A 127.0.0.53', 'ns1.example.com 300 AAAA fd00::53'], scope: 0 }],
    ['NS of a zone whose nameserver is in another of our zones', { name: 'example.org', type: TYPE.NS }, { rcode: 0, aa: true, answer: ['example.org 600 NS ns1.example.com'], additional: [] }],
    ['nameserver address', { name: 'ns1.example.com', type: TYPE.AAAA }, { rcode: 0, aa: true, answer: ['ns1.example.com 300 AAAA fd00::53'] }],
    ['apex A without a service: NODATA', { name: 'example.com' }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM] }],
    ['other type at a steered name: NODATA', { name: 'cdn.example.com', type: TYPE.TXT }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM] }],
    ['unknown data type: NODATA', { name: 'cdn.example.com', type: 65280 }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM] }],
    ['nonexistent name: NXDOMAIN with SOA', { name: 'nope.example.com', ecs: '10.2.3.0/24' }, { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: [SOA_COM], scope: 0 }],
    ['below a steered name: NXDOMAIN', { name: 'x.y.cdn.example.com' }, { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: [SOA_COM] }],
    ['nonexistent in the second zone: its SOA', { name: 'nope.example.org', type: TYPE.AAAA }, { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: ['example.org 600 SOA ns1.example.com hostmaster.example.org 2024010101 3600 600 1209600 900'] }],
    ['outside our zones: REFUSED', { name: 'cdn.example.net', ecs: '10.2.3.0/24' }, { rcode: RCODE.REFUSED, aa: false, answer: [], scope: 0 }],
    ['parent of a zone: REFUSED', { name: 'com', type: TYPE.NS }, { rcode: RCODE.REFUSED, aa: false, answer: [] }],
    ['the root: REFUSED', { name: '.', type: TYPE.NS }, { rcode: RCODE.REFUSED, aa: false, answer: [] }],
    ['CHAOS class: REFUSED', { name: 'version.bind', type: TYPE.TXT, qclass: CLASS.CH }, { rcode: RCODE.REFUSED, aa: false, answer: [] }],
    ['class ANY is answered as IN', { name: 'cdn.example.com', qclass: CLASS.ANY, client: '10.2.0.1' }, { rcode: 0, aa: true, answer: ['cdn.example.com 30 A 127.0.0.12'] }],
    ['ANY: one synthesized HINFO (RFC 8482)', { name: 'cdn.example.com', type: TYPE.ANY }, { rcode: 0, aa: true, answer: ['cdn.example.com 300 HINFO "RFC8482" ""'] }],
    ['ANY at the apex', { name: 'example.com', type: TYPE.ANY }, { rcode: 0, aa: true, answer: ['example.com 300 HINFO "RFC8482" ""'] }],
    ['ANY at an empty non-terminal: NODATA', { name: 'eu.example.com', type: TYPE.ANY }, { rcode: 0, aa: true, answer: [], authority: [SOA_COM] }],
    ['ANY at a nonexistent name: NXDOMAIN', { name: 'nope.example.com', type: TYPE.ANY }, { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: [SOA_COM] }],
    ['AXFR over TCP: NOTAUTH (as Knot)', { name: 'example.com', type: TYPE.AXFR, transport: 'tcp' }, { rcode: RCODE.NOTAUTH, aa: false, answer: [] }],
    ['AXFR over UDP: NOTIMP (as Knot)', { name: 'example.com', type: TYPE.AXFR }, { rcode: RCODE.NOTIMP, aa: false, answer: [] }],
    ['IXFR: NOTAUTH (as Knot)', { name: 'example.com', type: TYPE.IXFR }, { rcode: RCODE.NOTAUTH, aa: false, answer: [] }],
    ['MAILA: NOTIMP', { name: 'example.com', type: TYPE.MAILA }, { rcode: RCODE.NOTIMP, aa: false, answer: [] }],
    ['meta type at a nonexistent name: NOTIMP', { name: 'nope.example.com', type: TYPE.TSIG }, { rcode: RCODE.NOTIMP, aa: false, answer: [] }],
    ['qtype OPT: FORMERR', { name: 'cdn.example.com', type: TYPE.OPT }, { rcode: RCODE.FORMERR, aa: false, answer: [] }],
  ])('%s', (_what, a, want) => {
    const { res } = ask(plane, a);
    expect(res.rcode).toBe(want.rcode);
    expect(res.flags).toMatchObject({ qr: true, aa: want.aa, tc: false, ra: false, opcode: 0 });
    expect(res.answers.map(rr)).toEqual(want.answer);
    if (want.authority) expect(res.authorities.map(rr)).toEqual(want.authority);
    if (want.additional) expect(res.additionals.map(rr)).toEqual(want.additional);
    if (want.scope === null) expect(res.edns).toBeUndefined();
    else if (want.scope !== undefined) {
      const sent = ecsFromCidr(a.ecs!);
      expect(res.edns?.ecs).toEqual({ ...sent, scopePrefix: want.scope });
    }
  });

  it('keeps the query case in the question and in names that point into it', () => {
    const { res, raw } = ask(plane, { name: 'CdN.ExAmPlE.cOm', client: '10.2.0.1' });
    expect(res.questions).toEqual([{ name: 'CdN.ExAmPlE.cOm', type: TYPE.A, class: CLASS.IN }]);
    expect(res.answers.map(rr)).toEqual(['CdN.ExAmPlE.cOm 30 A 127.0.0.12']);
    const nx = ask(plane, { name: 'NoPe.EXAMPLE.com' }).res;
    expect(nx.authorities[0]!.name).toBe('EXAMPLE.com');
    expect(raw.length).toBeLessThan(80); // owner compressed to a pointer
  });

  it('copies id, RD and CD; never sets RA; echoes DO; advertises its UDP size', () => {
    const { res } = ask(plane, { name: 'cdn.example.com', rd: true, cd: true, dnssecOk: true, udpSize: 4096 });
    expect(res.id).toBe(0xbeef);
    expect(res.flags).toMatchObject({ rd: true, cd: true, ra: false, aa: true });
    expect(res.edns).toMatchObject({ udpSize: 1232, version: 0, dnssecOk: true, options: [] });
    const plain = ask(plane, { name: 'cdn.example.com' }).res;
    expect(plain.flags).toMatchObject({ rd: false, cd: false });
    expect(plain.edns).toBeUndefined();
  });

  it('uses the ECS scope the region matcher computes', () => {
    const matcher = testMatcher(policy);
    for (const cidr of ['0.0.0.0/0', '10.0.0.0/8', '10.2.3.4/32', '192.168.0.0/16', '2001:db8::/32']) {
      const sent = ecsFromCidr(cidr);
      const m = matcher.match(sent.address, sent.sourcePrefix);
      const { res, info } = ask(plane, { name: 'cdn.example.com', ecs: cidr });
      expect(res.edns?.ecs?.scopePrefix, cidr).toBe(m.scopePrefix);
      expect(info.region, cidr).toBe(m.region);
    }
  });

  it('reports rcode, service and region for metrics', () => {
    expect(ask(plane, { name: 'cdn.example.com', ecs: '10.3.0.0/16' }).info).toEqual({ rcode: 0, service: 'cdn', region: 'ap-south', truncated: false });
    expect(ask(plane, { name: 'api.eu.example.com', type: TYPE.AAAA }).info).toEqual({ rcode: 0, service: 'api', region: undefined, truncated: false });
    expect(ask(plane, { name: 'nope.example.com' }).info).toEqual({ rcode: 3, service: undefined, region: undefined, truncated: false });
  });

  it('serves the policy-order fallback for a service missing from the table, with a warning', () => {
    const table = regionalTable(policy, 9);
    delete table.services['www'];
    const p = buildAnswerPlane(policy, table, fixtureOptions(policy));
    expect(p.warnings.join('\n')).toMatch(/service www is missing from routing table 9/);
    expect(ask(p, { name: 'www.example.org' }).res.answers.map(rr)).toEqual(['www.example.org 45 A 127.0.0.11']);
  });
});

describe('answer plane: protocol errors', () => {
  const header = (flags: number, counts: number[], ...rest: number[]) =>
    new Uint8Array([0xab, 0xcd, flags >> 8, flags & 0xff, ...counts.flatMap((c) => [c >> 8, c & 0xff]), ...rest]);

  it('drops responses and runts', () => {
    const info: AnswerInfo = { rcode: 0, service: undefined, region: undefined, truncated: false };
    expect(plane.answer(header(0x8000, [1, 0, 0, 0]), '127.0.0.1', { transport: 'udp', info })).toBeNull();
    expect(info.rcode).toBe(-1);
    expect(plane.answer(new Uint8Array(11), '127.0.0.1', { transport: 'udp' })).toBeNull();
  });

  it('answers other opcodes NOTIMP with the opcode, id, RD and question copied (as Knot)', () => {
    const res = decodeMessage(plane.answer(header((4 << 11) | 0x0100, [1, 0, 0, 0], 0, 0, 6, 0, 1), '127.0.0.1', { transport: 'udp' })!);
    expect(res).toMatchObject({ id: 0xabcd, rcode: RCODE.NOTIMP, questions: [{ name: '', type: 6 }], flags: { qr: true, opcode: 4, rd: true, aa: false } });
  });

  it('answers malformed queries FORMERR without question or OPT', () => {
    const res = decodeMessage(plane.answer(header(0, [1, 0, 0, 0], 0xc0, 12, 0, 1, 0, 1), '127.0.0.1', { transport: 'udp' })!);
    expect(res).toMatchObject({ id: 0xabcd, rcode: RCODE.FORMERR, questions: [], answers: [] });
    expect(res.edns).toBeUndefined();
  });

  it('echoes the question when only the OPT record is broken', () => {
    const q = encodeQuery({ id: 7, name: 'cdn.example.com', type: 1, edns: { options: [{ code: 8, data: new Uint8Array([0, 1, 24, 0, 10, 2]) }] } });
    const res = decodeMessage(plane.answer(q, '127.0.0.1', { transport: 'udp' })!);
    expect(res.rcode).toBe(RCODE.FORMERR);
    expect(res.questions).toEqual([{ name: 'cdn.example.com', type: 1, class: 1 }]);
  });

  it('answers EDNS version 1 with BADVERS in the OPT record', () => {
    const q = encodeQuery({ id: 7, name: 'cdn.example.com', type: 1, edns: { version: 1, ecs: ecsFromCidr('10.2.3.0/24') } });
    const res = decodeMessage(plane.answer(q, '127.0.0.1', { transport: 'udp' })!);
    expect(res.rcode).toBe(RCODE.BADVERS);
    expect(res.answers).toEqual([]);
    expect(res.edns).toMatchObject({ version: 0, extendedRcode: 1 });
    expect(res.edns?.ecs).toBeUndefined();
  });
});

describe('answer plane: truncation', () => {
  const bigAnswer = (res: DecodedMessage) => res.answers.length;

  it.each<[string, Ask, { tc: boolean; answers: number; opt: boolean }]>([
    ['UDP without EDNS: 512 bytes, TC', { name: 'big.example.com' }, { tc: true, answers: 0, opt: false }],
    ['UDP with bufsize 512: TC, OPT kept', { name: 'big.example.com', udpSize: 512 }, { tc: true, answers: 0, opt: true }],
    ['UDP with bufsize below 512 counts as 512', { name: 'big.example.com', udpSize: 100 }, { tc: true, answers: 0, opt: true }],
    ['UDP with bufsize 1232: fits', { name: 'big.example.com', udpSize: 1232 }, { tc: false, answers: 40, opt: true }],
    ['TCP without EDNS: full answer', { name: 'big.example.com', transport: 'tcp' }, { tc: false, answers: 40, opt: false }],
    ['DoH: full answer', { name: 'big.example.com', transport: 'doh' }, { tc: false, answers: 40, opt: false }],
  ])('%s', (_what, a, want) => {
    const { res, raw, info } = ask(plane, a);
    expect(res.flags.tc).toBe(want.tc);
    expect(info.truncated).toBe(want.tc);
    expect(bigAnswer(res)).toBe(want.answers);
    expect(res.edns !== undefined).toBe(want.opt);
    expect(res.flags.aa).toBe(true);
    expect(res.questions).toHaveLength(1);
    if (a.transport !== 'tcp' && a.transport !== 'doh') expect(raw.length).toBeLessThanOrEqual(Math.max(512, a.udpSize ?? 512));
  });

  it('never sends more than its own maxUdp even when the client offers more', () => {
    const small = buildAnswerPlane(policy, regionalTable(policy), fixtureOptions(policy, { maxUdp: 600 }));
    const { res, raw } = ask(small, { name: 'big.example.com', udpSize: 4096 });
    expect(res.flags.tc).toBe(true);
    expect(res.edns?.udpSize).toBe(600);
    expect(raw.length).toBeLessThanOrEqual(600);
  });

  it('drops glue before truncating the NS answer', () => {
    const base = fixturePolicy();
    const many = PolicySchema.parse({
      ...base,
      zones: [
        {
          ...base.zones[0]!,
          nameservers: Array.from({ length: 10 }, (_, i) => ({ name: `ns${i}.example.com`, ipv4: [`127.0.1.${i}`], ipv6: [`fd00::1:${i}`] })),
        },
      ],
      services: base.services.filter((s) => s.name.endsWith('example.com')),
    });
    const p = buildAnswerPlane(many, regionalTable(many), fixtureOptions(many));
    const udp = ask(p, { name: 'example.com', type: TYPE.NS });
    expect(udp.res.flags.tc).toBe(false);
    expect(udp.res.answers).toHaveLength(10);
    expect(udp.res.additionals).toHaveLength(0);
    const tcp = ask(p, { name: 'example.com', type: TYPE.NS, transport: 'tcp' });
    expect(tcp.res.answers).toHaveLength(10);
    expect(tcp.res.additionals).toHaveLength(20);
  });
});

describe('answer plane: fuzz', () => {
  it('answers 10,000 random and mutated packets with well-formed responses or nothing, never throwing', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const seeds = [
      encodeQuery({ id: 1, name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr('10.2.3.0/24') } }),
      encodeQuery({ id: 2, name: 'example.com', type: TYPE.NS }),
      encodeQuery({ id: 3, name: 'nope.example.org', type: TYPE.AAAA, edns: { udpSize: 512 } }),
      encodeQuery({ id: 4, name: 'big.example.com', type: TYPE.A }),
    ];
    const rcodes = new Set<number>();
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) {
      let msg: Uint8Array;
      const kind = i % 4;
      if (kind === 0) {
        msg = new Uint8Array(rnd(64));
        for (let j = 0; j < msg.length; j++) msg[j] = rnd(256);
        if (msg.length > 2) msg[2] = msg[2]! & 0x7f; // mostly queries, so they get past the QR check
      } else {
        msg = seeds[rnd(seeds.length)]!.slice();
        if (kind === 1) msg = msg.slice(0, rnd(msg.length + 1));
        const flips = 1 + rnd(3);
        for (let k = 0; k < flips && msg.length > 0; k++) msg[rnd(msg.length)] = rnd(256);
      }
      const transport: Transport = i % 10 === 0 ? 'tcp' : 'udp';
      const out = plane.answer(msg, `10.${rnd(4)}.0.1`, { transport });
      if (out === null) {
        dropped++;
        continue;
      }
      const res = decodeMessage(out);
      expect(res.flags.qr).toBe(true);
      expect(res.id).toBe((msg[0]! << 8) | msg[1]!);
      expect(res.flags.ra).toBe(false);
      if (transport === 'udp') expect(out.length).toBeLessThanOrEqual(1232);
      rcodes.add(res.rcode);
    }
    expect(dropped).toBeGreaterThan(0);
    for (const rcode of [RCODE.NOERROR, RCODE.FORMERR, RCODE.NXDOMAIN, RCODE.NOTIMP, RCODE.REFUSED]) expect(rcodes).toContain(rcode);
  });
});
