/**
 * SHA-256 for core, from `@noble/hashes` (audited, synchronous, no Node
 * built-ins). Synchronous matters: core runs inside a Cloudflare Worker
 * where `crypto.subtle.digest` is async and `node:crypto` is absent, and
 * decide() hashes inside one synchronous cycle.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-256 (lower-case hex) of `data[0..length)`: for callers that assemble a message in a reused buffer. */
export function sha256HexOf(data: Uint8Array, length: number): string {
  return bytesToHex(nobleSha256(data.subarray(0, length)));
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** SHA-256 (lower-case hex) of a string's UTF-8 bytes, or of raw bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  return bytesToHex(nobleSha256(typeof input === 'string' ? utf8(input) : input));
}

interface Utf8Encoder {
  encode(s: string): Uint8Array;
}
// TextEncoder is a Web standard (Workers, Node, browsers; @noble/hashes needs
// it too) but not in the ES lib this package compiles against. One instance,
// reused: decide() encodes many small strings when it compiles a policy.
const encoder: Utf8Encoder = new (globalThis as unknown as { TextEncoder: new () => Utf8Encoder }).TextEncoder();

/** UTF-8 bytes of a string (lone surrogates become U+FFFD). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
