import { describe, expect, it } from 'vitest';
import { TYPE } from './constants.js';
import { ecsFromCidr } from './ecs.js';
import type { DnsWireError } from './errors.js';
import { decodeMessage, encodeQuery, type DecodedMessage } from './message.js';
import { nameKey, readName } from './name.js';
import { PARSE, QueryInfo, parseQueryInto } from './query.js';

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
/** Header + arbitrary rest. */
function raw(h: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number }, ...rest: number[]): Uint8Array {
  const w = (v: number) => [v >> 8, v & 0xff];
  return new Uint8Array([...w(h.id ?? 0x1234), ...w(h.flags ?? 0), ...w(h.qd ?? 1), ...w(h.an ?? 0), ...w(h.ns ?? 0), ...w(h.ar ?? 0), ...rest]);
}
const QNAME = [3, ...ascii('cdn'), 7, ...ascii('example'), 3, ...ascii('com'), 0];
const Q_A = [...QNAME, 0, 1, 0, 1];
const OPT = (rdata: number[] = [], ttl = [0, 0, 0, 0], owner = [0]) => [...owner, 0, 41, 0x04, 0xd0, ...ttl, rdata.length >> 8, rdata.length & 0xff, ...rdata];

describe('parseQueryInto', () => {
  it('reads header, question (case kept, key lowercased), EDNS and ECS', () => {
    const msg = encodeQuery({ id: 4242, name: 'CdN.ExAmple.com', type: TYPE.AAAA, rd: true, edns: { udpSize: 4096, dnssecOk: true, ecs: ecsFromCidr('10.2.3.0/24') } });
    const q = new QueryInfo();
    expect(parseQueryInto(msg, q)).toBe(PARSE.OK);
    expect(q.id).toBe(4242);
    expect(q.flags & 0x0100).toBe(0x0100);
    expect(String.fromCharCode(...q.qname.subarray(0, q.qnameLen))).toBe('\x03CdN\x07ExAmple\x03com\x00');
    expect(q.key).toBe(nameKey('cdn.example.com'));
    expect(Array.from(q.labelStarts.subarray(0, q.labelCount))).toEqual([0, 4, 12]);
    expect([q.qtype, q.qclass]).toEqual([TYPE.AAAA, 1]);
    expect([q.hasEdns, q.udpSize, q.ednsVersion, q.dnssecOk]).toEqual([true, 4096, 0, true]);
    expect([q.hasEcs, q.ecsFamily, q.ecsSource, q.ecsScope]).toEqual([true, 1, 24, 0]);
    expect(Array.from(q.ecsAddr.subarray(0, 4))).toEqual([10, 2, 3, 0]);
  });

  it('resets state between queries', () => {
    const q = new QueryInfo();
    parseQueryInto(encodeQuery({ name: 'a.example.com', type: 1, edns: { ecs: ecsFromCidr('10.2.3.0/24') } }), q);
    expect(parseQueryInto(encodeQuery({ name: 'b.example.com', type: 1 }), q)).toBe(PARSE.OK);
    expect([q.hasEdns, q.hasEcs]).toEqual([false, false]);
  });

  it('accepts a question name compressed against the header bytes (pointer backwards)', () => {
    // A pointer to offset 0 is backwards; the header's first bytes (0x01 0x61 ...) read as label "a" + flags...
    const msg = raw({ id: 0x0161, flags: 0x0000, qd: 1 }, 0xc0, 0x03, 0, 1, 0, 1);
    // offset 3 holds 0x00 (low byte of flags) = root: the qname is the root name.
    const q = new QueryInfo();
    expect(parseQueryInto(msg, q)).toBe(PARSE.OK);
    expect(q.qnameLen).toBe(1);
  });

  it.each<[string, Uint8Array, number]>([
    ['shorter than a header', new Uint8Array([0, 1, 0, 0, 0, 1]), PARSE.DROP],
    ['empty', new Uint8Array(0), PARSE.DROP],
    ['a response (QR set)', raw({ flags: 0x8000 }, ...Q_A), PARSE.DROP],
    ['opcode NOTIFY', raw({ flags: 4 << 11 }, ...Q_A), PARSE.NOTIMP],
    ['opcode UPDATE', raw({ flags: 5 << 11 }, ...Q_A), PARSE.NOTIMP],
    ['no question', raw({ qd: 0 }), PARSE.FORMERR],
    ['two questions', raw({ qd: 2 }, ...Q_A, ...Q_A), PARSE.FORMERR],
    ['huge question count', raw({ qd: 0xffff }, ...Q_A), PARSE.FORMERR],
    ['answer records in a query', raw({ an: 1 }, ...Q_A), PARSE.FORMERR],
    ['authority records in a query', raw({ ns: 1 }, ...Q_A), PARSE.FORMERR],
    ['huge additional count', raw({ ar: 0xffff }, ...Q_A), PARSE.FORMERR],
    ['truncated header counts', raw({}, ...QNAME.slice(0, 3)), PARSE.FORMERR],
    ['question without type/class', raw({}, ...QNAME), PARSE.FORMERR],
    ['question with half a type', raw({}, ...QNAME, 0), PARSE.FORMERR],
    ['label longer than 63', raw({}, 64, ...new Array<number>(64).fill(0x61), 0, 0, 1, 0, 1), PARSE.FORMERR],
    ['reserved label type 0x40', raw({}, 0x41, 0x61, 0, 0, 1, 0, 1), PARSE.FORMERR],
    ['name over 255 bytes', raw({}, ...Array.from({ length: 5 }, () => [63, ...new Array<number>(63).fill(0x61)]).flat(), 0, 0, 1, 0, 1), PARSE.FORMERR],
    ['compression pointer loop', raw({}, 0xc0, 12, 0, 1, 0, 1), PARSE.FORMERR],
    ['forward compression pointer', raw({}, 0xc0, 14, 1, 0x61, 0, 0, 1, 0, 1), PARSE.FORMERR],
    ['label runs past the end', raw({}, 10, 0x61), PARSE.FORMERR],
    ['trailing garbage', raw({}, ...Q_A, 0xde, 0xad), PARSE.FORMERR],
    ['additional record cut short', raw({ ar: 1 }, ...Q_A, 0, 0, 41), PARSE.FORMERR],
    ['OPT RDATA past the end', raw({ ar: 1 }, ...Q_A, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 9, 1), PARSE.FORMERR],
    ['two OPT records', raw({ ar: 2 }, ...Q_A, ...OPT(), ...OPT()), PARSE.FORMERR],
    ['OPT not owned by the root', raw({ ar: 1 }, ...Q_A, ...OPT([], [0, 0, 0, 0], [1, 0x61, 0])), PARSE.FORMERR],
    ['option header cut short', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0])), PARSE.FORMERR],
    ['option longer than the RDATA', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 9, 0, 1, 24, 0])), PARSE.FORMERR],
    ['ECS with a bad family', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 7, 0, 9, 24, 0, 10, 2, 3])), PARSE.FORMERR],
    ['ECS address longer than its prefix', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 8, 0, 1, 24, 0, 10, 2, 3, 4])), PARSE.FORMERR],
    ['ECS prefix over 32 for IPv4', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 9, 0, 1, 40, 0, 10, 2, 3, 4, 5])), PARSE.FORMERR],
    ['ECS bits beyond the prefix', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 7, 0, 1, 23, 0, 10, 2, 3])), PARSE.FORMERR],
    ['two ECS options', raw({ ar: 1 }, ...Q_A, ...OPT([0, 8, 0, 7, 0, 1, 24, 0, 10, 2, 3, 0, 8, 0, 7, 0, 1, 24, 0, 10, 2, 3])), PARSE.FORMERR],
    ['EDNS version 1', raw({ ar: 1 }, ...Q_A, ...OPT([], [0, 1, 0, 0])), PARSE.BADVERS],
    ['unknown EDNS option (ignored)', raw({ ar: 1 }, ...Q_A, ...OPT([0, 99, 0, 2, 1, 2])), PARSE.OK],
    ['a non-OPT additional record (ignored)', raw({ ar: 1 }, ...Q_A, 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 0x61), PARSE.OK],
  ])('%s', (_what, msg, status) => {
    expect(parseQueryInto(msg, new QueryInfo())).toBe(status);
  });

  it('never throws on 20,000 random and mutated messages, and says OK only when the decoder agrees it is a query', () => {
    let seed = 0x12345678;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const base = encodeQuery({ id: 1, name: 'cdn.example.com', type: 1, edns: { ecs: ecsFromCidr('10.2.3.0/24') } });
    const q = new QueryInfo();
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      let msg: Uint8Array;
      if (i % 2 === 0) {
        msg = new Uint8Array(rnd(80));
        for (let j = 0; j < msg.length; j++) msg[j] = rnd(256);
      } else {
        msg = base.slice(0, base.length - (i % 7 === 0 ? rnd(base.length) : 0));
        for (let k = 0, n = 1 + rnd(4); k < n; k++) msg[rnd(msg.length || 1)] = rnd(256);
      }
      const st = parseQueryInto(msg, q);
      seen.add(st);
      expect([PARSE.OK, PARSE.DROP, PARSE.FORMERR, PARSE.NOTIMP, PARSE.BADVERS]).toContain(st);
      if (st === PARSE.OK) {
        expect(q.qnameLen).toBeGreaterThan(0);
        expect(q.qnameLen).toBeLessThanOrEqual(255);
        // The full decoder reads the same question (it is stricter only about RDATA of records we skip).
        let decoded: DecodedMessage | undefined;
        try {
          decoded = decodeMessage(msg);
        } catch (err) {
          expect((err as DnsWireError).code).toBe('E_DNS_RDATA');
        }
        if (decoded) {
          expect(decoded.questions).toHaveLength(1);
          expect(readName(msg, 12).wireLength).toBe(q.qnameLen);
          expect(decoded.questions[0]!.type).toBe(q.qtype);
          expect(decoded.edns?.ecs?.sourcePrefix).toBe(q.hasEcs ? q.ecsSource : undefined);
        }
      }
    }
    // The corpus reaches every outcome, so the assertions above are not vacuous.
    expect([...seen].sort()).toEqual([PARSE.OK, PARSE.DROP, PARSE.FORMERR, PARSE.NOTIMP, PARSE.BADVERS]);
  });
});
