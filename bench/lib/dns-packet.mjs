/**
 * Just enough DNS wire format for the bench: build a query (optionally with
 * an EDNS Client Subnet option) and read rcode and A/AAAA answers from a
 * response. Kept independent of @edgesteer/dns-wire on purpose: the bench
 * must not share a bug with the system it measures.
 */

export const TYPES = { A: 1, NS: 2, SOA: 6, AAAA: 28, OPT: 41 };
export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function encodeName(name) {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  const bufs = parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')]));
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

/** ECS option data (RFC 7871) for an IPv4 subnet like "10.2.3.0/24". */
export function ecsOptionData(subnet) {
  const [addr, lenStr] = subnet.split('/');
  const prefix = Number(lenStr);
  const octets = addr.split('.').map(Number).slice(0, Math.ceil(prefix / 8));
  return Buffer.from([0, 1, prefix, 0, ...octets]);
}

/** dnsperf `-E 8:<hex>` argument for a subnet (kept for reference runs). */
export function ecsHex(subnet) { return ecsOptionData(subnet).toString('hex'); }

/**
 * @param {{ id?: number, name: string, type?: keyof TYPES, subnet?: string, edns?: boolean }} q
 */
export function buildQuery({ id = 0, name, type = 'A', subnet, edns = true }) {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0000, 2); // QR=0, opcode 0, RD=0: an authoritative query
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(edns || subnet ? 1 : 0, 10);
  const question = Buffer.concat([encodeName(name), Buffer.from([TYPES[type] >> 8, TYPES[type] & 0xff, 0, 1])]);
  if (!edns && !subnet) return Buffer.concat([header, question]);
  let rdata = Buffer.alloc(0);
  if (subnet) {
    const data = ecsOptionData(subnet);
    const opt = Buffer.alloc(4);
    opt.writeUInt16BE(8, 0);
    opt.writeUInt16BE(data.length, 2);
    rdata = Buffer.concat([opt, data]);
  }
  const opt = Buffer.alloc(11);
  opt[0] = 0; // root name
  opt.writeUInt16BE(TYPES.OPT, 1);
  opt.writeUInt16BE(1232, 3); // UDP payload size
  opt.writeUInt32BE(0, 5); // ext rcode, version, flags
  opt.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([header, question, opt, rdata]);
}

function skipName(buf, off) {
  for (let guard = 0; guard < 128; guard++) {
    const len = buf[off];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += 1 + len;
  }
  throw new Error('name too long');
}

/** Parses a response: id, rcode, flags and the A/AAAA addresses in the answer section. */
export function parseResponse(buf) {
  if (buf.length < 12) throw new Error('short response');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = skipName(buf, off) + 4;
  const addresses = [];
  for (let i = 0; i < an; i++) {
    off = skipName(buf, off);
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    const rd = buf.subarray(off + 10, off + 10 + rdlen);
    if (type === TYPES.A && rdlen === 4) addresses.push([...rd].join('.'));
    off += 10 + rdlen;
  }
  return { id, rcode: RCODES[flags & 0xf] ?? `RCODE${flags & 0xf}`, aa: (flags & 0x0400) !== 0, tc: (flags & 0x0200) !== 0, addresses };
}
