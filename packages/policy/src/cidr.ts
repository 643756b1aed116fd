/**
 * IP address and CIDR parsing without Node built-ins (this package is bundled
 * into the Worker). Parsing goes through ipaddr.js; addresses are kept as
 * bytes so IPv4 and IPv6 share one byte-level prefix comparison (the hot
 * path matches bytes, never ipaddr.js objects).
 */
import ipaddr from 'ipaddr.js';

/** A parsed IP address. */
export interface IpAddress {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
}

/** A parsed CIDR block. */
export interface Cidr extends IpAddress {
  prefix: number;
  /** True when bits beyond the prefix are set (e.g. 10.1.2.3/16): a likely typo. */
  hostBitsSet: boolean;
}

/**
 * Text → bytes through ipaddr.js (well kept, runtime-neutral), with the two
 * stricter rules a policy needs: IPv4 only as four plain decimal parts
 * (leading zeros are rejected: some stacks read them as octal), and no IPv6
 * zone index (a zone names an interface, not a network).
 */
function parseIpv4(s: string): Uint8Array | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(s)) return null;
  return Uint8Array.from(ipaddr.IPv4.parse(s).toByteArray());
}

function parseIpv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.length > 45 || s.includes('%') || !ipaddr.IPv6.isValid(s)) return null;
  const lastColon = s.lastIndexOf(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4) follows the IPv4 rules above.
  if (s.includes('.', lastColon) && !ipaddr.IPv4.isValidFourPartDecimal(s.slice(lastColon + 1))) return null;
  return Uint8Array.from(ipaddr.IPv6.parse(s).toByteArray());
}

/** Parses an IPv4 or IPv6 address (no zone index); null when invalid. */
export function parseIp(s: string): IpAddress | null {
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b ? { family: 6, bytes: b } : null;
  }
  const b = parseIpv4(s);
  return b ? { family: 4, bytes: b } : null;
}

/** Parses `addr/prefix`; null when the address or prefix is invalid. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  if (slash === -1) return null;
  const ip = parseIp(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > ip.bytes.length * 8) return null;
  return { ...ip, prefix, hostBitsSet: hasBitsAfter(ip.bytes, prefix) };
}

function hasBitsAfter(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) return true;
  }
  return false;
}

/** True when the first `bits` bits of a and b are equal (both the same length). */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[full]! ^ b[full]!) & mask) === 0;
}

/** True when `ip` lies inside `cidr` (same family only). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && samePrefix(cidr.bytes, ip.bytes, cidr.prefix);
}

/** True when two blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && samePrefix(a.bytes, b.bytes, Math.min(a.prefix, b.prefix));
}

/** Formats an address in its usual text form (IPv6 compressed per RFC 5952). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  // Longest run of ≥2 zero groups becomes '::' (first one on ties).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Formats a block as `addr/prefix`. */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.prefix}`;
}
