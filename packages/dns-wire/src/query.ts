/**
 * The hot-path query parser: header, the one question, and the OPT record
 * (EDNS0 with Client Subnet) from the additional section. It never throws
 * and never allocates: results go into a reusable {@link QueryInfo}, and the
 * outcome is a {@link PARSE} status the answer plane turns into an rcode.
 *
 * Every read is bounds-checked against the message length; compression
 * pointers must point strictly backwards (so they cannot loop) and at most
 * {@link MAX_POINTER_JUMPS} are followed per name.
 */
import { ECS_FAMILY, EDNS_OPTION, FLAG, LIMIT, OPCODE, TYPE } from './constants.js';
import { MAX_POINTER_JUMPS } from './name.js';

/** Outcome of {@link parseQueryInto}. */
export const PARSE = {
  /** A well-formed standard query. */
  OK: 0,
  /** Not worth an answer: shorter than a header, or a response (QR set). */
  DROP: 1,
  /** Malformed: answer FORMERR. */
  FORMERR: 2,
  /** Opcode other than QUERY: answer NOTIMP. */
  NOTIMP: 3,
  /** EDNS version above 0: answer BADVERS (RFC 6891 §6.1.3). */
  BADVERS: 4,
  /** Signed with TSIG: we hold no keys, so NOTAUTH with a BADKEY TSIG (RFC 8945 §5.2.2). */
  TSIG: 5,
} as const;
export type ParseStatus = (typeof PARSE)[keyof typeof PARSE];

/** Everything the answer plane needs from a query. Reused across queries. */
export class QueryInfo {
  id = 0;
  /** Raw 16-bit flags word of the query. */
  flags = 0;
  opcode = 0;
  /** True once the question section has been read successfully. */
  questionOk = false;
  /** Uncompressed question name in the query's own case; `qnameLen` bytes are valid. */
  readonly qname = new Uint8Array(LIMIT.name);
  qnameLen = 0;
  /** Lookup key: the name's wire bytes, ASCII-lowercased, as char codes (see nameKey). */
  key = '';
  /** Offsets of each label's length byte inside `qname` (`labelCount` valid). */
  readonly labelStarts = new Uint8Array(128);
  labelCount = 0;
  qtype = 0;
  qclass = 0;
  /** An OPT record was present. */
  hasEdns = false;
  /** Requestor's UDP payload size (OPT CLASS). */
  udpSize = 0;
  ednsVersion = 0;
  /** DNSSEC OK bit (RFC 3225), copied to the response. */
  dnssecOk = false;
  /** An ECS option was present and valid. */
  hasEcs = false;
  ecsFamily = 0;
  ecsSource = 0;
  ecsScope = 0;
  /** Full-width ECS address (4 or 16 bytes used), zero beyond the sent bytes. */
  readonly ecsAddr = new Uint8Array(16);
  /** The OPT asked for the server's NSID (RFC 5001). */
  nsid = false;
  /** Offset of the TSIG record's owner (the key name), or -1. */
  tsigOwner = -1;
  /** Offset and length of the TSIG RDATA. */
  tsigRdata = -1;
  tsigRdlen = 0;

  /** Clears per-query state (the parser calls this first). */
  clear(): void {
    this.questionOk = false;
    this.qnameLen = 0;
    this.key = '';
    this.labelCount = 0;
    this.qtype = 0;
    this.qclass = 0;
    this.hasEdns = false;
    this.udpSize = 0;
    this.ednsVersion = 0;
    this.dnssecOk = false;
    this.hasEcs = false;
    this.ecsFamily = 0;
    this.ecsSource = 0;
    this.ecsScope = 0;
    this.nsid = false;
    this.tsigOwner = -1;
    this.tsigRdata = -1;
    this.tsigRdlen = 0;
  }
}

/**
 * Reads the question name at `off` into `q.qname`/`q.key`. Returns the offset
 * after the name, or -1 when malformed.
 */
function readQname(msg: Uint8Array, off: number, q: QueryInfo): number {
  const n = msg.length;
  const out = q.qname;
  let pos = off;
  let end = -1;
  let jumps = 0;
  let seqStart = off;
  let w = 0;
  let key = '';
  let labels = 0;
  for (;;) {
    if (pos >= n) return -1;
    const len = msg[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if (len >= 0xc0) {
      if (pos + 1 >= n) return -1;
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= seqStart || ++jumps > MAX_POINTER_JUMPS) return -1;
      if (end < 0) end = pos + 2;
      pos = target;
      seqStart = target;
      continue;
    }
    if (len > LIMIT.label) return -1; // 0x40/0x80 label types are reserved
    if (pos + 1 + len > n || w + 1 + len + 1 > LIMIT.name) return -1;
    q.labelStarts[labels++] = w;
    out[w++] = len;
    key += String.fromCharCode(len);
    for (let i = pos + 1, e = pos + 1 + len; i < e; i++) {
      const c = msg[i]!;
      out[w++] = c;
      key += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    pos += 1 + len;
  }
  out[w++] = 0;
  q.qnameLen = w;
  q.key = key + '\0';
  q.labelCount = labels;
  return end;
}

/** Skips a (possibly compressed) name without copying it; -1 when malformed. */
function skipName(msg: Uint8Array, off: number): number {
  const n = msg.length;
  let pos = off;
  let end = -1;
  let jumps = 0;
  let seqStart = off;
  let total = 1;
  for (;;) {
    if (pos >= n) return -1;
    const len = msg[pos]!;
    if (len === 0) return end < 0 ? pos + 1 : end;
    if (len >= 0xc0) {
      if (pos + 1 >= n) return -1;
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= seqStart || ++jumps > MAX_POINTER_JUMPS) return -1;
      if (end < 0) end = pos + 2;
      pos = target;
      seqStart = target;
      continue;
    }
    if (len > LIMIT.label) return -1;
    total += 1 + len;
    if (pos + 1 + len > n || total > LIMIT.name) return -1;
    pos += 1 + len;
  }
}

/** Parses the OPT RDATA (options) into `q`; false when malformed. */
function readOptions(msg: Uint8Array, start: number, end: number, q: QueryInfo): boolean {
  let p = start;
  while (p < end) {
    if (p + 4 > end) return false;
    const code = (msg[p]! << 8) | msg[p + 1]!;
    const len = (msg[p + 2]! << 8) | msg[p + 3]!;
    p += 4;
    if (p + len > end) return false;
    if (code === EDNS_OPTION.NSID) q.nsid = true;
    else if (code === EDNS_OPTION.ECS) {
      // RFC 7871 §6: a wrongly formatted option is a FORMERR; so is a second one.
      if (q.hasEcs || len < 4) return false;
      const family = (msg[p]! << 8) | msg[p + 1]!;
      const source = msg[p + 2]!;
      const scope = msg[p + 3]!;
      const width = family === ECS_FAMILY.IPV4 ? 4 : family === ECS_FAMILY.IPV6 ? 16 : 0;
      if (width === 0 || source > width * 8 || scope > width * 8) return false;
      const addrLen = len - 4;
      if (addrLen !== (source + 7) >> 3) return false;
      const a = q.ecsAddr;
      for (let i = 0; i < 16; i++) a[i] = i < addrLen ? msg[p + 4 + i]! : 0;
      const rest = source & 7;
      if (rest !== 0 && (a[addrLen - 1]! & (0xff >> rest)) !== 0) return false;
      q.hasEcs = true;
      q.ecsFamily = family;
      q.ecsSource = source;
      q.ecsScope = scope;
    }
    p += len;
  }
  return true;
}

/**
 * Parses a query into `q`. See {@link PARSE} for the outcomes. A message is
 * well formed when it has exactly one question, no answer records, no
 * authority records (except the SOA an IXFR query carries, RFC 1995 §3),
 * additional records that are complete (at most one OPT, owned by the root;
 * a TSIG only as the last), and nothing after the last record.
 *
 * The whole message is walked before the verdict, also for opcodes we do
 * not implement and for malformed sections, so an error reply can still
 * carry an OPT whenever the query's OPT itself parsed (RFC 6891 §7).
 */
export function parseQueryInto(msg: Uint8Array, q: QueryInfo): ParseStatus {
  q.clear();
  const n = msg.length;
  if (n < LIMIT.header) return PARSE.DROP;
  q.id = (msg[0]! << 8) | msg[1]!;
  const flags = (msg[2]! << 8) | msg[3]!;
  q.flags = flags;
  if ((flags & FLAG.QR) !== 0) return PARSE.DROP;
  q.opcode = (flags >> 11) & 0xf;
  const qd = (msg[4]! << 8) | msg[5]!;
  const an = (msg[6]! << 8) | msg[7]!;
  const ns = (msg[8]! << 8) | msg[9]!;
  const ar = (msg[10]! << 8) | msg[11]!;
  const walked = walk(msg, q, qd, an + ns, ar);
  if (q.opcode !== OPCODE.QUERY) return PARSE.NOTIMP;
  if (!walked || qd !== 1 || an !== 0 || (ns !== 0 && q.qtype !== TYPE.IXFR)) return PARSE.FORMERR;
  if (q.tsigOwner >= 0) return PARSE.TSIG;
  if (q.hasEdns && q.ednsVersion !== 0) return PARSE.BADVERS;
  return PARSE.OK;
}

/** Reads every section into `q` (see parseQueryInto); false when the message is malformed. */
function walk(msg: Uint8Array, q: QueryInfo, qd: number, anNs: number, ar: number): boolean {
  const n = msg.length;
  let p: number = LIMIT.header;
  for (let i = 0; i < qd; i++) {
    p = i === 0 ? readQname(msg, p, q) : skipName(msg, p);
    if (p < 0 || p + 4 > n) return false;
    if (i === 0) {
      q.qtype = (msg[p]! << 8) | msg[p + 1]!;
      q.qclass = (msg[p + 2]! << 8) | msg[p + 3]!;
      q.questionOk = qd === 1;
    }
    p += 4;
  }
  for (let i = 0; i < anNs + ar; i++) {
    const owner = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > n) return false;
    const type = (msg[p]! << 8) | msg[p + 1]!;
    const rdlen = (msg[p + 8]! << 8) | msg[p + 9]!;
    const rdata = p + 10;
    if (rdata + rdlen > n) return false;
    if (i >= anNs && type === TYPE.OPT) {
      // RFC 6891 §6.1.1: one OPT, owner is the root. A broken OPT gets no OPT back.
      if (q.hasEdns || msg[owner] !== 0) {
        q.hasEdns = false;
        return false;
      }
      q.hasEdns = true;
      q.udpSize = (msg[p + 2]! << 8) | msg[p + 3]!;
      q.ednsVersion = msg[p + 5]!;
      q.dnssecOk = (msg[p + 6]! & 0x80) !== 0;
      // A malformed option is the query's error, not the OPT's: the reply still carries an OPT.
      if (!readOptions(msg, rdata, rdata + rdlen, q)) return false;
    } else if (i >= anNs && type === TYPE.TSIG) {
      // RFC 8945 §5.1: TSIG is the last additional record.
      if (i !== anNs + ar - 1) return false;
      q.tsigOwner = owner;
      q.tsigRdata = rdata;
      q.tsigRdlen = rdlen;
    }
    p = rdata + rdlen;
  }
  return p === n;
}

/** The uncompressed wire form of the name at `off` (pointers followed), or null when malformed. */
export function expandName(msg: Uint8Array, off: number): Uint8Array | null {
  const out: number[] = [];
  let pos = off;
  let jumps = 0;
  let seqStart = off;
  for (;;) {
    if (pos >= msg.length) return null;
    const len = msg[pos]!;
    if (len === 0) break;
    if (len >= 0xc0) {
      if (pos + 1 >= msg.length) return null;
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= seqStart || ++jumps > MAX_POINTER_JUMPS) return null;
      pos = target;
      seqStart = target;
      continue;
    }
    if (len > LIMIT.label || pos + 1 + len > msg.length || out.length + 1 + len + 1 > LIMIT.name) return null;
    for (let i = pos; i <= pos + len; i++) out.push(msg[i]!);
    pos += 1 + len;
  }
  out.push(0);
  return Uint8Array.from(out);
}
