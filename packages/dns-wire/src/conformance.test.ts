/**
 * Protocol conformance of the answer plane's error and edge replies (#14
 * row 9), compared with what Knot DNS 3.2 answers to the same queries
 * (checked on loopback): OPT in every reply to a query whose OPT parsed
 * (RFC 6891 §6.1.1, §7), IXFR/AXFR without FORMERR, TSIG → NOTAUTH with a
 * BADKEY TSIG (RFC 8945 §5.2.2), CD not copied on NOTIMP, NSID (RFC 5001),
 * Extended DNS Errors (RFC 8914). Queries are built and replies read with
 * dns-packet, never with this package's own codec.
 */
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { buildAnswerPlane, type AnswerOptions } from './answer-plane.js';
import { fixtureOptions, fixturePolicy, regionalTable } from './test-fixture.js';

const plane = buildAnswerPlane(fixturePolicy(), regionalTable(fixturePolicy()), fixtureOptions(fixturePolicy()));
type Opt = { udpPayloadSize: number; extendedRcode: number; ednsVersion: number; options: Array<{ code: number; data: Buffer }> };
type Rec = { type: string; name: string; data?: unknown };

const opt = (options: Array<{ code: number; data: Buffer }> = []) => ({ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, options }) as unknown as dnsPacket.Answer;
const query = (p: Partial<dnsPacket.Packet>) => dnsPacket.encode({ id: 4242, type: 'query', flags: 0, questions: [{ type: 'A', name: 'cdn.example.com' }], ...p });
/** Sets header flags (opcode, CD, RD) of an encoded query. */
const withFlags = (b: Buffer, flags: number) => {
  b.writeUInt16BE(flags, 2);
  return b;
};
const appendAr = (b: Buffer, rr: Buffer) => {
  const out = Buffer.concat([b, rr]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
};

/** A name in uncompressed wire form (written by hand: independent of both codecs). */
const wireName = (text: string) => Buffer.concat([...text.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);

/** A TSIG record for a key this server does not have (the shape `dig -y` sends). */
function tsigRecord(): Buffer {
  const alg = wireName('hmac-sha256.');
  const rd = Buffer.alloc(alg.length + 10 + 32 + 6);
  alg.copy(rd);
  let o = alg.length;
  rd.writeUIntBE(1_700_000_000, o, 6);
  rd.writeUInt16BE(300, o + 6);
  rd.writeUInt16BE(32, o + 8);
  o += 10 + 32;
  rd.writeUInt16BE(4242, o);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(250, 0);
  head.writeUInt16BE(255, 2);
  head.writeUInt16BE(rd.length, 8);
  return Buffer.concat([wireName('nokey.example.'), head, rd]);
}

function ask(q: Buffer, opts: Partial<AnswerOptions> = {}) {
  const raw = plane.answer(q, '127.0.0.1', { transport: 'udp', ...opts });
  if (!raw) throw new Error('no reply');
  const m = dnsPacket.decode(Buffer.from(raw)) as dnsPacket.DecodedPacket & { rcode: string };
  const additionals = (m.additionals ?? []) as unknown as Rec[];
  const o = additionals.find((a) => a.type === 'OPT') as unknown as Opt | undefined;
  return {
    raw,
    m,
    rcode: (raw[3]! & 0x0f) | ((o?.extendedRcode ?? 0) << 4),
    cd: (raw[3]! & 0x10) !== 0,
    opt: o,
    optCodes: o?.options.map((x) => x.code) ?? [],
    ede: o?.options.find((x) => x.code === 15)?.data.readUInt16BE(0),
    additionalTypes: additionals.map((a) => a.type),
    questions: m.questions?.length ?? 0,
  };
}

const SOA = { type: 'SOA', name: 'example.com', ttl: 0, data: { mname: 'a.', rname: 'b.', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as dnsPacket.Answer;

describe('OPT in error replies (RFC 6891 §7)', () => {
  it.each([
    { name: 'FORMERR: two questions', q: () => query({ questions: [{ type: 'A', name: 'cdn.example.com' }, { type: 'A', name: 'x.example.com' }], additionals: [opt()] }), rcode: 1, withOpt: true },
    { name: 'FORMERR: a malformed ECS option', q: () => query({ additionals: [opt([{ code: 8, data: Buffer.from([0, 1, 33, 0, 1, 2, 3, 4, 5]) }])] }), rcode: 1, withOpt: true },
    { name: 'FORMERR: an answer record in a query', q: () => query({ answers: [{ type: 'A', name: 'x.example.com', ttl: 1, data: '192.0.2.1' }], additionals: [opt()] }), rcode: 1, withOpt: true },
    { name: 'FORMERR: qtype OPT', q: () => query({ questions: [{ type: 'OPT' as 'A', name: 'example.com' }], additionals: [opt()] }), rcode: 1, withOpt: true },
    { name: 'NOTIMP: opcode STATUS', q: () => withFlags(query({ additionals: [opt()] }), 2 << 11), rcode: 4, withOpt: true },
    { name: 'NOTIMP: opcode UPDATE', q: () => withFlags(query({ additionals: [opt()] }), 5 << 11), rcode: 4, withOpt: true },
    { name: 'NOTIMP without EDNS', q: () => withFlags(query({}), 2 << 11), rcode: 4, withOpt: false },
    { name: 'FORMERR with two OPTs (the OPT itself is broken)', q: () => query({ additionals: [opt(), opt()] }), rcode: 1, withOpt: false },
    { name: 'FORMERR without EDNS', q: () => query({ questions: [{ type: 'A', name: 'a.example.com' }, { type: 'A', name: 'b.example.com' }] }), rcode: 1, withOpt: false },
  ])('$name → rcode $rcode, OPT $withOpt', ({ q, rcode, withOpt }) => {
    const r = ask(q());
    expect(r.rcode).toBe(rcode);
    expect(r.opt !== undefined).toBe(withOpt);
    if (r.opt) expect(r.opt).toMatchObject({ ednsVersion: 0, udpPayloadSize: 1232 });
  });
});

describe('zone transfers: no FORMERR (Knot answers the same)', () => {
  it.each([
    { name: 'IXFR with its SOA in authority, UDP', q: () => query({ questions: [{ type: 'IXFR', name: 'example.com' }], authorities: [SOA], additionals: [opt()] }), transport: 'udp' as const, rcode: 9 },
    { name: 'IXFR with its SOA in authority, TCP', q: () => query({ questions: [{ type: 'IXFR', name: 'example.com' }], authorities: [SOA], additionals: [opt()] }), transport: 'tcp' as const, rcode: 9 },
    { name: 'AXFR over TCP', q: () => query({ questions: [{ type: 'AXFR', name: 'example.com' }], additionals: [opt()] }), transport: 'tcp' as const, rcode: 9 },
    { name: 'AXFR over UDP', q: () => query({ questions: [{ type: 'AXFR', name: 'example.com' }], additionals: [opt()] }), transport: 'udp' as const, rcode: 4 },
  ])('$name → rcode $rcode with question and OPT', ({ q, transport, rcode }) => {
    const r = ask(q(), { transport });
    expect(r.rcode).toBe(rcode);
    expect(r.questions).toBe(1);
    expect(r.opt).toBeDefined();
    expect(r.m.answers ?? []).toEqual([]);
  });
});

describe('TSIG-signed queries (RFC 8945 §5.2.2)', () => {
  it.each([
    { name: 'with EDNS', q: () => appendAr(query({ additionals: [opt()] }), tsigRecord()), types: ['OPT', 'TSIG'] },
    { name: 'without EDNS', q: () => appendAr(query({}), tsigRecord()), types: ['TSIG'] },
  ])('$name → NOTAUTH with an unsigned BADKEY TSIG last', ({ q, types }) => {
    const r = ask(q());
    expect(r.rcode).toBe(9);
    expect(r.questions).toBe(1);
    expect(r.m.answers ?? []).toEqual([]);
    expect(r.additionalTypes).toEqual(types);
    // The TSIG record's RDATA, read by hand: algorithm, time signed, fudge, MAC size, original id, error, other length.
    const raw = Buffer.from(r.raw);
    const owner = wireName('nokey.example.');
    const at = raw.lastIndexOf(owner);
    expect(at).toBeGreaterThan(0);
    const rec = raw.subarray(at + owner.length);
    expect([rec.readUInt16BE(0), rec.readUInt16BE(2), rec.readUInt32BE(4)]).toEqual([250, 255, 0]);
    const rd = rec.subarray(10, 10 + rec.readUInt16BE(8));
    const alg = wireName('hmac-sha256.');
    expect(rd.subarray(0, alg.length).equals(alg)).toBe(true);
    const f = rd.subarray(alg.length);
    expect({ time: f.readUIntBE(0, 6), fudge: f.readUInt16BE(6), macSize: f.readUInt16BE(8), originalId: f.readUInt16BE(10), error: f.readUInt16BE(12), otherLen: f.readUInt16BE(14) }).toEqual({
      time: 1_700_000_000,
      fudge: 300,
      macSize: 0,
      originalId: 4242,
      error: 17,
      otherLen: 0,
    });
  });
});

describe('CD, NSID, Extended DNS Errors', () => {
  it('does not copy CD on NOTIMP, and does on an answer', () => {
    expect(ask(withFlags(query({ additionals: [opt()] }), (2 << 11) | 0x10)).cd).toBe(false);
    const answered = ask(withFlags(query({ additionals: [opt()] }), 0x10));
    expect([answered.rcode, answered.cd]).toEqual([0, true]);
  });

  it.each([
    { name: 'asked and configured', options: [{ code: 3, data: Buffer.alloc(0) }], nsid: 'ns-eu-1', want: 'ns-eu-1' },
    { name: 'asked, not configured', options: [{ code: 3, data: Buffer.alloc(0) }], nsid: undefined, want: undefined },
    { name: 'configured, not asked', options: [], nsid: 'ns-eu-1', want: undefined },
  ])('NSID $name', ({ options, nsid, want }) => {
    const r = ask(query({ additionals: [opt(options)] }), nsid === undefined ? {} : { nsid: new TextEncoder().encode(nsid) });
    expect(r.rcode).toBe(0);
    expect(r.opt?.options.find((o) => o.code === 3)?.data.toString()).toBe(want);
  });

  it.each([
    { name: 'REFUSED for a zone not ours', q: () => query({ questions: [{ type: 'A', name: 'www.other.org' }], additionals: [opt()] }), opts: {}, rcode: 5, ede: 20 },
    { name: 'a fresh answer', q: () => query({ additionals: [opt()] }), opts: {}, rcode: 0, ede: undefined },
    { name: 'an answer from a stale table', q: () => query({ additionals: [opt()] }), opts: { stale: true }, rcode: 0, ede: 3 },
    { name: 'NXDOMAIN from a stale table', q: () => query({ questions: [{ type: 'A', name: 'nope.example.com' }], additionals: [opt()] }), opts: { stale: true }, rcode: 3, ede: 3 },
  ])('EDE: $name → rcode $rcode, EDE $ede', ({ q, opts, rcode, ede }) => {
    const r = ask(q(), opts);
    expect(r.rcode).toBe(rcode);
    expect(r.ede).toBe(ede);
  });

  it('sends no OPT (so no EDE) to a query without EDNS', () => {
    const r = ask(query({ questions: [{ type: 'A', name: 'www.other.org' }] }));
    expect([r.rcode, r.opt]).toEqual([5, undefined]);
  });
});
