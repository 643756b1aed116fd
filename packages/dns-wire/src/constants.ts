/**
 * DNS protocol numbers used by the codec and the answer plane (RFC 1035,
 * RFC 3596, RFC 6891, RFC 7871, RFC 8482).
 */

/** Resource record and query types. */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  DNSKEY: 48,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

/** Classes. */
export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** Response codes (values above 15 live partly in the OPT record's TTL). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  NOTAUTH: 9,
  BADVERS: 16,
  /** TSIG error (RFC 8945), carried in the TSIG record, not the header. */
  BADKEY: 17,
} as const;

/** Human names of the response codes, for logs and metrics labels. */
export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  9: 'NOTAUTH',
  16: 'BADVERS',
};

/** Opcodes. Only QUERY is implemented; everything else is NOTIMP. */
export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** Header flag bits of the 16-bit flags word. */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** EDNS option codes. */
export const EDNS_OPTION = { NSID: 3, ECS: 8, COOKIE: 10, PADDING: 12, EDE: 15 } as const;

/** Extended DNS Error info codes (RFC 8914 §4) that this server sends. */
export const EDE = {
  /** An answer from data older than it should be (the table is stale). */
  STALE_ANSWER: 3,
  /** The server has not yet synced the data the answer depends on (SERVFAIL while unsynced). */
  NOT_READY: 14,
  /** The server is not authoritative for the name (REFUSED). */
  NOT_AUTHORITATIVE: 20,
} as const;

/** ECS address families (IANA address family numbers). */
export const ECS_FAMILY = { IPV4: 1, IPV6: 2 } as const;

/** DNS message size limits. */
export const LIMIT = {
  /** Header size in bytes. */
  header: 12,
  /** UDP payload size without EDNS (RFC 1035 §4.2.1). */
  classicUdp: 512,
  /** Default EDNS UDP payload we advertise and accept (DNS flag day 2020). */
  ednsUdp: 1232,
  /** Maximum wire length of a domain name (RFC 1035 §3.1). */
  name: 255,
  /** Maximum label length. */
  label: 63,
  /** Maximum message size over TCP (two-byte length prefix). */
  tcp: 65535,
} as const;
