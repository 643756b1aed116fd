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
    if (code === EDNS_OPTION.ECS) {
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
 * well formed when it has exactly one question, no answer or authority
 * records, additional records that are complete (at most one OPT, owned by
 * the root), and nothing after the last record.
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
  if (q.opcode !== OPCODE.QUERY) return PARSE.NOTIMP;
  const qd = (msg[4]! << 8) | msg[5]!;
  const an = (msg[6]! << 8) | msg[7]!;
  const ns = (msg[8]! << 8) | msg[9]!;
  const ar = (msg[10]! << 8) | msg[11]!;
  if (qd !== 1 || an !== 0 || ns !== 0) return PARSE.FORMERR;
  let p = readQname(msg, LIMIT.header, q);
  if (p < 0 || p + 4 > n) return PARSE.FORMERR;
  q.qtype = (msg[p]! << 8) | msg[p + 1]!;
  q.qclass = (msg[p + 2]! << 8) | msg[p + 3]!;
  q.questionOk = true;
  p += 4;
  for (let i = 0; i < ar; i++) {
    const owner = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > n) return PARSE.FORMERR;
    const type = (msg[p]! << 8) | msg[p + 1]!;
    const rdlen = (msg[p + 8]! << 8) | msg[p + 9]!;
    const rdata = p + 10;
    if (rdata + rdlen > n) return PARSE.FORMERR;
    if (type === TYPE.OPT) {
      // RFC 6891 §6.1.1: one OPT, owner is the root.
      if (q.hasEdns || msg[owner] !== 0) return PARSE.FORMERR;
      q.hasEdns = true;
      q.udpSize = (msg[p + 2]! << 8) | msg[p + 3]!;
      q.ednsVersion = msg[p + 5]!;
      q.dnssecOk = (msg[p + 6]! & 0x80) !== 0;
      if (!readOptions(msg, rdata, rdata + rdlen, q)) return PARSE.FORMERR;
    }
    p = rdata + rdlen;
  }
  if (p !== n) return PARSE.FORMERR;
  if (q.hasEdns && q.ednsVersion !== 0) return PARSE.BADVERS;
  return PARSE.OK;
}
