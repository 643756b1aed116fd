/**
 * SHA-256 (FIPS 180-4) in plain TypeScript: synchronous and free of Node
 * built-ins, because core runs inside a Cloudflare Worker where
 * `crypto.subtle.digest` is async and `node:crypto` is absent. Table hashes
 * are computed once per decision cycle, so the block function is written for
 * throughput (one reused schedule buffer, no per-block allocation).
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const;

/** Message schedule, reused by every block (the hash is synchronous, so never shared concurrently). */
const W = new Int32Array(64);

/** Compresses every whole 64-byte block of `data[0..end)` into `h`. */
function blocks(h: Int32Array, data: Uint8Array, end: number): void {
  let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!;
  for (let off = 0; off + 64 <= end; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!;
      const w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + hh) | 0;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
}

/** SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return digest(data, data.length);
}

/** Padding block(s), reused: the hash is synchronous, so never shared concurrently. */
const TAIL = new Uint8Array(128);

function digest(data: Uint8Array, length: number): Uint8Array {
  const h = new Int32Array(IV);
  const whole = length - (length % 64);
  blocks(h, data, whole);
  // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer.
  const restLen = length - whole;
  const n = restLen + 9 <= 64 ? 64 : 128;
  TAIL.fill(0);
  TAIL.set(data.subarray(whole, length));
  TAIL[restLen] = 0x80;
  const bitLen = length * 8;
  const hi = Math.floor(bitLen / 0x1_0000_0000);
  const lo = bitLen >>> 0;
  TAIL[n - 8] = hi >>> 24; TAIL[n - 7] = hi >>> 16; TAIL[n - 6] = hi >>> 8; TAIL[n - 5] = hi;
  TAIL[n - 4] = lo >>> 24; TAIL[n - 3] = lo >>> 16; TAIL[n - 2] = lo >>> 8; TAIL[n - 1] = lo;
  blocks(h, TAIL, n);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = h[i]!;
    out[i * 4] = v >>> 24; out[i * 4 + 1] = v >>> 16; out[i * 4 + 2] = v >>> 8; out[i * 4 + 3] = v;
  }
  return out;
}

/** SHA-256 (lower-case hex) of `data[0..length)`: for callers that assemble a message in a reused buffer. */
export function sha256HexOf(data: Uint8Array, length: number): string {
  return toHex(digest(data, length));
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
}

/** SHA-256 (lower-case hex) of a string's UTF-8 bytes, or of raw bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  if (typeof input !== 'string') return toHex(sha256(input));
  // Encode into a reused buffer: decide() hashes many strings per cycle,
  // and a fresh backing store for each one is mostly garbage-collector work.
  // Larger inputs get their own buffer, so the scratch never pins much memory.
  if (encoder?.encodeInto && input.length * 3 <= SCRATCH_MAX) {
    if (scratch.length < input.length * 3) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(input.length * 3, scratch.length * 2)));
    const { written } = encoder.encodeInto(input, scratch);
    return toHex(digest(scratch, written));
  }
  return toHex(sha256(utf8(input)));
}

interface Utf8Encoder {
  encode(s: string): Uint8Array;
  encodeInto?(s: string, dest: Uint8Array): { read: number; written: number };
}
// TextEncoder is a Web standard (Workers, Node, browsers) but not in the ES lib
// this package compiles against; reach it through globalThis and fall back to a
// hand-written encoder where it is missing.
const encoder: Utf8Encoder | undefined = (() => {
  const Ctor = (globalThis as { TextEncoder?: new () => Utf8Encoder }).TextEncoder;
  return Ctor ? new Ctor() : undefined;
})();
const SCRATCH_MAX = 4 * 1024 * 1024;
let scratch = new Uint8Array(64 * 1024);

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8(s: string): Uint8Array {
  return encoder ? encoder.encode(s) : utf8Manual(s);
}

/** Portable UTF-8 encoder (exported for tests; prefer utf8()). */
export function utf8Manual(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    out[n++] = 0xe0 | (c >> 12);
    out[n++] = 0x80 | ((c >> 6) & 0x3f);
    out[n++] = 0x80 | (c & 0x3f);
  }
  return out.subarray(0, n);
}
