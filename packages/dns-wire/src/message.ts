/**
 * A general DNS message decoder and a query encoder. Not the hot path: used
 * by clients (DoH, tests, tools) to read any response and to build queries.
 * Every read is bounds-checked; malformed input throws a DnsWireError.
 */
import { formatIp } from '@edgesteer/policy/neutral';
import { CLASS, EDNS_OPTION, FLAG, TYPE } from './constants.js';
import { decodeEcs, encodeEcs, type EcsOption } from './ecs.js';
import { DnsWireError } from './errors.js';
import { readName } from './name.js';
import { WireWriter } from './writer.js';

/** Decoded header flags. */
export interface MessageFlags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

/** One EDNS option, with ECS decoded when it is well formed. */
export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

/** The OPT pseudo-record, decoded. */
export interface Edns {
  udpSize: number;
  /** Upper 8 bits of the extended rcode. */
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  options: EdnsOption[];
  ecs?: EcsOption;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** RDATA by type: address text for A/AAAA, a name for NS/CNAME/PTR, fields for SOA/HINFO/TXT/MX, else raw bytes. */
export type RecordData =
  | { kind: 'address'; address: string }
  | { kind: 'name'; name: string }
  | { kind: 'soa'; soa: SoaData }
  | { kind: 'hinfo'; cpu: string; os: string }
  | { kind: 'txt'; strings: string[] }
  | { kind: 'mx'; preference: number; exchange: string }
  | { kind: 'raw'; bytes: Uint8Array };

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RecordData;
}

export interface DecodedMessage {
  id: number;
  flags: MessageFlags;
  /** Full response code: header RCODE plus the OPT extended bits. */
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  /** Additional records without the OPT pseudo-record (see `edns`). */
  additionals: ResourceRecord[];
  edns?: Edns;
}

class Reader {
  constructor(
    readonly msg: Uint8Array,
    public pos: number,
  ) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.msg.length) throw new DnsWireError('E_DNS_TRUNCATED', `${what} at offset ${this.pos} runs past the end of the message`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.msg[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.msg[this.pos]! << 8) | this.msg[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const m = this.msg;
    const p = this.pos;
    this.pos += 4;
    return ((m[p]! << 24) | (m[p + 1]! << 16) | (m[p + 2]! << 8) | m[p + 3]!) >>> 0;
  }
  name(): string {
    const r = readName(this.msg, this.pos);
    this.pos = r.end;
    return r.name;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.msg.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function charString(r: Reader): string {
  const len = r.u8('character-string length');
  const b = r.bytes(len, 'character-string');
  return String.fromCharCode(...b);
}

function decodeRdata(msg: Uint8Array, type: number, start: number, len: number): RecordData {
  const end = start + len;
  const r = new Reader(msg, start);
  const done = <T extends RecordData>(d: T): T => {
    if (r.pos !== end) throw new DnsWireError('E_DNS_RDATA', `type ${type} RDATA at offset ${start} has ${end - r.pos} stray bytes`);
    return d;
  };
  switch (type) {
    case TYPE.A:
      if (len !== 4) throw new DnsWireError('E_DNS_RDATA', `A RDATA is ${len} bytes, expected 4`);
      return { kind: 'address', address: formatIp({ family: 4, bytes: msg.slice(start, end) }) };
    case TYPE.AAAA:
      if (len !== 16) throw new DnsWireError('E_DNS_RDATA', `AAAA RDATA is ${len} bytes, expected 16`);
      return { kind: 'address', address: formatIp({ family: 6, bytes: msg.slice(start, end) }) };
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
      return done({ kind: 'name', name: r.name() });
    case TYPE.MX: {
      const preference = r.u16('MX preference');
      return done({ kind: 'mx', preference, exchange: r.name() });
    }
    case TYPE.SOA: {
      const mname = r.name();
      const rname = r.name();
      const soa: SoaData = {
        mname,
        rname,
        serial: r.u32('SOA serial'),
        refresh: r.u32('SOA refresh'),
        retry: r.u32('SOA retry'),
        expire: r.u32('SOA expire'),
        minimum: r.u32('SOA minimum'),
      };
      return done({ kind: 'soa', soa });
    }
    case TYPE.HINFO: {
      const cpu = charString(r);
      return done({ kind: 'hinfo', cpu, os: charString(r) });
    }
    case TYPE.TXT: {
      const strings: string[] = [];
      while (r.pos < end) strings.push(charString(r));
      return done({ kind: 'txt', strings });
    }
    default:
      return { kind: 'raw', bytes: msg.slice(start, end) };
  }
}

function decodeOpt(rec: { class: number; ttl: number }, rdata: Uint8Array): Edns {
  const options: EdnsOption[] = [];
  const edns: Edns = {
    udpSize: rec.class,
    extendedRcode: rec.ttl >>> 24,
    version: (rec.ttl >>> 16) & 0xff,
    dnssecOk: (rec.ttl & 0x8000) !== 0,
    options,
  };
  let p = 0;
  while (p < rdata.length) {
    if (p + 4 > rdata.length) throw new DnsWireError('E_DNS_TRUNCATED', 'EDNS option header runs past the OPT RDATA');
    const code = (rdata[p]! << 8) | rdata[p + 1]!;
    const len = (rdata[p + 2]! << 8) | rdata[p + 3]!;
    if (p + 4 + len > rdata.length) throw new DnsWireError('E_DNS_TRUNCATED', `EDNS option ${code} runs past the OPT RDATA`);
    const data = rdata.slice(p + 4, p + 4 + len);
    options.push({ code, data });
    if (code === EDNS_OPTION.ECS) edns.ecs = decodeEcs(data);
    p += 4 + len;
  }
  return edns;
}

/**
 * Decodes a whole DNS message.
 * @throws DnsWireError (E_DNS_TRUNCATED, E_DNS_NAME_LOOP, E_DNS_NAME_LABEL, E_DNS_RDATA, E_DNS_ECS_INVALID, E_DNS_TRAILING).
 */
export function decodeMessage(msg: Uint8Array): DecodedMessage {
  const r = new Reader(msg, 0);
  const id = r.u16('header');
  const f = r.u16('header');
  const counts = [r.u16('header'), r.u16('header'), r.u16('header'), r.u16('header')] as const;
  const flags: MessageFlags = {
    qr: (f & FLAG.QR) !== 0,
    opcode: (f >> 11) & 0xf,
    aa: (f & FLAG.AA) !== 0,
    tc: (f & FLAG.TC) !== 0,
    rd: (f & FLAG.RD) !== 0,
    ra: (f & FLAG.RA) !== 0,
    ad: (f & FLAG.AD) !== 0,
    cd: (f & FLAG.CD) !== 0,
  };
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    questions.push({ name: r.name(), type: r.u16('question type'), class: r.u16('question class') });
  }
  let edns: Edns | undefined;
  const section = (count: number, additional: boolean): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const name = r.name();
      const type = r.u16('record type');
      const klass = r.u16('record class');
      const ttl = r.u32('record TTL');
      const len = r.u16('RDLENGTH');
      r.need(len, 'RDATA');
      const start = r.pos;
      r.pos += len;
      if (additional && type === TYPE.OPT) {
        if (edns) throw new DnsWireError('E_DNS_RDATA', 'more than one OPT record');
        edns = decodeOpt({ class: klass, ttl }, msg.subarray(start, start + len));
        continue;
      }
      out.push({ name, type, class: klass, ttl, data: decodeRdata(msg, type, start, len) });
    }
    return out;
  };
  const answers = section(counts[1], false);
  const authorities = section(counts[2], false);
  const additionals = section(counts[3], true);
  if (r.pos !== msg.length) throw new DnsWireError('E_DNS_TRAILING', `${msg.length - r.pos} bytes after the last record`);
  const rcode = (f & 0xf) | ((edns?.extendedRcode ?? 0) << 4);
  const out: DecodedMessage = { id, flags, rcode, questions, answers, authorities, additionals };
  if (edns) out.edns = edns;
  return out;
}

/** What {@link encodeQuery} builds. */
export interface QuerySpec {
  name: string;
  /** Numeric type (see TYPE). */
  type: number;
  id?: number;
  class?: number;
  /** Recursion desired (default false: we talk to authoritative servers). */
  rd?: boolean;
  cd?: boolean;
  /** Add an OPT record. */
  edns?: { udpSize?: number; dnssecOk?: boolean; version?: number; ecs?: EcsOption; options?: EdnsOption[] };
}

/** Builds a query message. */
export function encodeQuery(spec: QuerySpec): Uint8Array {
  const w = new WireWriter(64);
  w.u16(spec.id ?? 0);
  w.u16((spec.rd ? FLAG.RD : 0) | (spec.cd ? FLAG.CD : 0));
  w.u16(1).u16(0).u16(0).u16(spec.edns ? 1 : 0);
  w.name(spec.name, false).u16(spec.type).u16(spec.class ?? CLASS.IN);
  if (spec.edns) {
    const e = spec.edns;
    const opts: EdnsOption[] = [...(e.options ?? [])];
    if (e.ecs) opts.push({ code: EDNS_OPTION.ECS, data: encodeEcs(e.ecs) });
    w.u8(0).u16(TYPE.OPT).u16(e.udpSize ?? 1232);
    w.u8(0).u8(e.version ?? 0).u16(e.dnssecOk ? 0x8000 : 0);
    let rdlen = 0;
    for (const o of opts) rdlen += 4 + o.data.length;
    w.u16(rdlen);
    for (const o of opts) w.u16(o.code).u16(o.data.length).bytes(o.data);
  }
  return w.finish();
}
