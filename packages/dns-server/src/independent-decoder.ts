/**
 * Test-only (the `@edgesteer/dns-server/testing` entry; dns-packet is a
 * devDependency). Decodes a DNS response with dns-packet, an implementation independent of
 * edgesteer's own codec, and returns it in the shape of dns-wire's
 * DecodedMessage so the tests' assertions read the same. A bug in dns-wire's
 * decoder can then no longer hide the same bug in its encoder: every test
 * that checks the server's wire output decodes through here.
 */
import { createRequire } from 'node:module';
import * as dnsPacket from 'dns-packet';
import type { DecodedMessage, RecordData, ResourceRecord } from '@edgesteer/dns-wire';

// dns-packet's own mnemonic tables (types.js, classes.js), so every type it names maps back.
const require = createRequire(import.meta.url);
const typeTable = require('dns-packet/types.js') as { toType(name: string): number };
const classTable = require('dns-packet/classes.js') as { toClass(name: string): number };
const TYPES = { lookup: (s: string) => typeTable.toType(s) };
const CLASSES = { lookup: (s: string) => classTable.toClass(s) };

function num(table: { lookup(s: string): number }, v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v);
  const m = /^(?:TYPE|CLASS|UNKNOWN_)(\d+)$/.exec(s);
  if (m) return Number(m[1]);
  const n = table.lookup(s);
  if (!(n >= 0)) throw new Error(`independent decoder: unknown mnemonic ${s}`);
  return n;
}

function toBytes(b: unknown): Uint8Array {
  return b instanceof Uint8Array ? new Uint8Array(b) : new Uint8Array(0);
}

function data(type: number, a: dnsPacket.Answer): RecordData {
  const d = (a as { data?: unknown }).data;
  switch (type) {
    case 1:
    case 28:
      return { kind: 'address', address: String(d) };
    case 2:
    case 5:
    case 12:
      return { kind: 'name', name: String(d) };
    case 6: {
      const s = d as dnsPacket.SoaData;
      return { kind: 'soa', soa: { mname: s.mname, rname: s.rname, serial: s.serial!, refresh: s.refresh!, retry: s.retry!, expire: s.expire!, minimum: s.minimum! } };
    }
    case 13: {
      const h = d as { cpu: string; os: string };
      return { kind: 'hinfo', cpu: h.cpu, os: h.os };
    }
    case 15: {
      const m = d as { preference: number; exchange: string };
      return { kind: 'mx', preference: m.preference, exchange: m.exchange };
    }
    case 16:
      return { kind: 'txt', strings: (Array.isArray(d) ? d : [d]).map((x) => Buffer.from(x as Uint8Array).toString('latin1')) };
    default:
      return { kind: 'raw', bytes: toBytes(d) };
  }
}

function record(a: dnsPacket.Answer): ResourceRecord {
  const type = num(TYPES, a.type);
  const name = a.name === '.' ? '' : a.name;
  return { name, type, class: num(CLASSES, (a as { class?: unknown }).class ?? 'IN'), ttl: (a as { ttl?: number }).ttl ?? 0, data: data(type, a) };
}

/** Decodes `bytes` with dns-packet (throws on malformed input) into dns-wire's DecodedMessage shape. */
export function decodeIndependent(bytes: Uint8Array): DecodedMessage {
  const p = dnsPacket.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  // dns-packet reports QR as `type` and masks it out of `flags`.
  const flags = (p.flags ?? 0) | (p.type === 'response' ? 0x8000 : 0);
  const opt = (p.additionals ?? []).find((r) => r.type === 'OPT') as (dnsPacket.OptAnswer & { extendedRcode?: number; ednsVersion?: number; flag_do?: boolean }) | undefined;
  const headerRcode = flags & 0x0f;
  const out: DecodedMessage = {
    id: p.id ?? 0,
    flags: {
      qr: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0x0f,
      aa: (flags & 0x0400) !== 0,
      tc: (flags & 0x0200) !== 0,
      rd: (flags & 0x0100) !== 0,
      ra: (flags & 0x0080) !== 0,
      ad: (flags & 0x0020) !== 0,
      cd: (flags & 0x0010) !== 0,
    },
    rcode: headerRcode + ((opt?.extendedRcode ?? 0) << 4),
    questions: (p.questions ?? []).map((q) => ({ name: q.name === '.' ? '' : q.name, type: num(TYPES, q.type), class: num(CLASSES, q.class ?? 'IN') })),
    answers: (p.answers ?? []).map(record),
    authorities: (p.authorities ?? []).map(record),
    additionals: (p.additionals ?? []).filter((r) => r.type !== 'OPT').map(record),
  };
  if (opt) {
    const options = (opt.options ?? []).map((o) => ({ code: o.code, data: toBytes((o as { data?: unknown }).data) }));
    const ecs = (opt.options ?? []).find((o) => o.code === 8) as { family?: number; sourcePrefixLength?: number; scopePrefixLength?: number; ip?: string } | undefined;
    out.edns = { udpSize: opt.udpPayloadSize ?? 0, extendedRcode: opt.extendedRcode ?? 0, version: opt.ednsVersion ?? 0, dnssecOk: ((opt.flags ?? 0) & 0x8000) !== 0, options };
    if (ecs && ecs.family !== undefined) {
      const family = ecs.family === 1 ? 1 : 2;
      const address = new Uint8Array(family === 1 ? 4 : 16);
      if (ecs.ip) {
        if (family === 1) ecs.ip.split('.').forEach((x, i) => (address[i] = Number(x)));
        else address.set(ipv6Bytes(ecs.ip));
      }
      out.edns.ecs = { family, sourcePrefix: ecs.sourcePrefixLength ?? 0, scopePrefix: ecs.scopePrefixLength ?? 0, address };
    }
  }
  return out;
}

function ipv6Bytes(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}
