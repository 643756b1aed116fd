/**
 * EDNS Client Subnet option data (RFC 7871 §6): FAMILY, SOURCE and SCOPE
 * PREFIX-LENGTH, and the address truncated to SOURCE PREFIX-LENGTH bits.
 */
import { parseCidr } from '@edgesteer/policy/neutral';
import { ECS_FAMILY } from './constants.js';
import { DnsWireError } from './errors.js';

/** A decoded ECS option. */
export interface EcsOption {
  /** 1 = IPv4, 2 = IPv6. */
  family: 1 | 2;
  sourcePrefix: number;
  scopePrefix: number;
  /** The full-width address (4 or 16 bytes), zero beyond the bytes sent. */
  address: Uint8Array;
}

/** Address bytes sent on the wire for a prefix length. */
export function ecsAddressLength(sourcePrefix: number): number {
  return (sourcePrefix + 7) >> 3;
}

/**
 * Decodes ECS option data and applies RFC 7871's validity rules.
 * @throws DnsWireError E_DNS_ECS_INVALID (unknown family, prefix too long,
 *   wrong address length, or address bits set beyond the source prefix).
 */
export function decodeEcs(data: Uint8Array): EcsOption {
  if (data.length < 4) throw new DnsWireError('E_DNS_ECS_INVALID', `ECS option is ${data.length} bytes; at least 4 expected`);
  const family = (data[0]! << 8) | data[1]!;
  const sourcePrefix = data[2]!;
  const scopePrefix = data[3]!;
  const width = family === ECS_FAMILY.IPV4 ? 4 : family === ECS_FAMILY.IPV6 ? 16 : 0;
  if (width === 0) throw new DnsWireError('E_DNS_ECS_INVALID', `ECS family ${family} is not 1 (IPv4) or 2 (IPv6)`);
  if (sourcePrefix > width * 8 || scopePrefix > width * 8) {
    throw new DnsWireError('E_DNS_ECS_INVALID', `ECS prefix /${sourcePrefix} (scope /${scopePrefix}) is too long for family ${family}`);
  }
  const addrLen = data.length - 4;
  if (addrLen !== ecsAddressLength(sourcePrefix)) {
    throw new DnsWireError('E_DNS_ECS_INVALID', `ECS address is ${addrLen} bytes; /${sourcePrefix} needs ${ecsAddressLength(sourcePrefix)}`);
  }
  const address = new Uint8Array(width);
  address.set(data.subarray(4));
  const rest = sourcePrefix & 7;
  if (rest !== 0 && (address[addrLen - 1]! & (0xff >> rest)) !== 0) {
    throw new DnsWireError('E_DNS_ECS_INVALID', `ECS address has bits set beyond /${sourcePrefix}`);
  }
  return { family: family as 1 | 2, sourcePrefix, scopePrefix, address };
}

/** Encodes ECS option data (address truncated to the source prefix, stray host bits cleared). */
export function encodeEcs(opt: EcsOption): Uint8Array {
  const n = ecsAddressLength(opt.sourcePrefix);
  const out = new Uint8Array(4 + n);
  out[0] = 0;
  out[1] = opt.family;
  out[2] = opt.sourcePrefix;
  out[3] = opt.scopePrefix;
  out.set(opt.address.subarray(0, n), 4);
  const rest = opt.sourcePrefix & 7;
  if (rest !== 0) out[3 + n] = out[3 + n]! & (0xff << (8 - rest));
  return out;
}

/**
 * ECS for a CIDR such as `10.2.3.0/24` or `2001:db8::/56`, scope 0 (as a
 * resolver would send it).
 * @throws DnsWireError E_DNS_ECS_INVALID when the text is not a CIDR.
 */
export function ecsFromCidr(cidr: string): EcsOption {
  const c = parseCidr(cidr);
  if (!c) throw new DnsWireError('E_DNS_ECS_INVALID', `"${cidr}" is not a CIDR like 10.2.3.0/24`);
  const address = new Uint8Array(c.bytes);
  // Clear host bits so the option is valid on the wire.
  for (let bit = c.prefix; bit < address.length * 8; bit++) address[bit >> 3] = address[bit >> 3]! & ~(0x80 >> (bit & 7));
  return { family: c.family === 4 ? 1 : 2, sourcePrefix: c.prefix, scopePrefix: 0, address };
}
