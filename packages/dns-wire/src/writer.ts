/**
 * A growable DNS message writer with name compression. Used off the hot path:
 * to build answer templates when the table changes, and to build queries.
 */
import { LIMIT } from './constants.js';
import { DnsWireError } from './errors.js';
import { encodeName } from './name.js';

export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  /** Lowercase dotted suffix → offset of its first occurrence. */
  private readonly dict = new Map<string, number>();

  constructor(initialSize = 512) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.len + n > LIMIT.tcp) throw new DnsWireError('E_DNS_MESSAGE_TOO_BIG', 'DNS message would exceed 65535 bytes');
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.len, v & 0xffff);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Overwrites a 16-bit value already written (counts, RDLENGTH). */
  setU16(offset: number, v: number): void {
    this.view.setUint16(offset, v & 0xffff);
  }

  /**
   * Writes a dotted name, compressed against names written before when
   * `compress` is true. Suffixes compare case-insensitively.
   */
  name(name: string, compress = true): this {
    const wire = encodeName(name);
    if (wire.length === 1) return this.u8(0);
    // Walk label starts; each suffix may already be in the message.
    let p = 0;
    while (wire[p]! !== 0) {
      const key = suffixKey(wire, p);
      const at = compress ? this.dict.get(key) : undefined;
      if (at !== undefined) return this.u16(0xc000 | at);
      if (this.len < 0x4000 && !this.dict.has(key)) this.dict.set(key, this.len);
      const l = wire[p]!;
      this.bytes(wire.subarray(p, p + 1 + l));
      p += 1 + l;
    }
    return this.u8(0);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function suffixKey(wire: Uint8Array, from: number): string {
  let s = '';
  for (let i = from; i < wire.length; i++) {
    const c = wire[i]!;
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return s;
}
