/**
 * DNS messages built and read with dns-packet, a decoder independent of our
 * dns-wire codec: tests assert what a real resolver would see.
 */
import dnsPacket from 'dns-packet';

/** What dns-packet decodes at runtime; its typings omit rcode and the OPT fields. */
export type Decoded = dnsPacket.DecodedPacket & {
  rcode: string;
  opcode: string;
};

export interface DecodedOpt {
  udpPayloadSize: number;
  extendedRcode: number;
  ednsVersion: number;
  flags: number;
  options: Array<{ code: number; data?: Buffer; type?: string }>;
}

/** Decodes a whole DNS message (no TCP length prefix). */
export function decodeDns(bytes: Uint8Array): Decoded {
  return dnsPacket.decode(Buffer.from(bytes)) as Decoded;
}

/** The OPT pseudo-record of a decoded message, if any. */
export function optOf(m: Decoded): DecodedOpt | undefined {
  return (m.additionals ?? []).find((a) => a.type === 'OPT') as unknown as DecodedOpt | undefined;
}

/** The full 12-bit rcode (header 4 bits + OPT extended 8 bits), as a number. */
export function fullRcode(bytes: Uint8Array, m: Decoded): number {
  return (bytes[3]! & 0x0f) | ((optOf(m)?.extendedRcode ?? 0) << 4);
}
