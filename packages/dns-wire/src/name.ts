/**
 * Domain names on the wire: text ⇄ label sequence, and reading names with
 * compression pointers (RFC 1035 §4.1.4) under strict bounds.
 *
 * Loop protection: a pointer must point strictly before the start of the
 * label sequence it interrupts, so every jump moves backwards and a chain of
 * pointers always ends; a jump budget caps pathological (long, backwards)
 * chains as well.
 */
import { LIMIT } from './constants.js';
import { DnsWireError } from './errors.js';

/** Most pointer jumps accepted while reading one name. */
export const MAX_POINTER_JUMPS = 64;

/**
 * Encodes a dotted name (`cdn.example.com`, trailing dot optional, `.` or ''
 * for the root) as wire labels. Case is kept as written.
 * @throws DnsWireError E_DNS_NAME_LABEL / E_DNS_NAME_LENGTH on labels over 63 bytes, empty labels or names over 255 bytes.
 */
export function encodeName(name: string): Uint8Array {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return new Uint8Array([0]);
  const labels = trimmed.split('.');
  let len = 1;
  for (const l of labels) len += 1 + l.length;
  if (len > LIMIT.name) throw new DnsWireError('E_DNS_NAME_LENGTH', `name "${name}" is ${len} bytes on the wire; the limit is 255`);
  const out = new Uint8Array(len);
  let o = 0;
  for (const l of labels) {
    if (l.length === 0 || l.length > LIMIT.label) {
      throw new DnsWireError('E_DNS_NAME_LABEL', `name "${name}" has a label of ${l.length} bytes; labels must be 1-63 bytes`);
    }
    out[o++] = l.length;
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c > 0xff) throw new DnsWireError('E_DNS_NAME_CHAR', `name "${name}" has a non-ASCII character; use its punycode (xn--) form`);
      out[o++] = c;
    }
  }
  out[o] = 0;
  return out;
}

/** Lowercases ASCII letters only (DNS names compare case-insensitively in ASCII, RFC 4343). */
export function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/**
 * The lookup key of a name: its uncompressed wire bytes, ASCII-lowercased, as
 * a string of char codes. Unambiguous (a label may contain a dot) and its
 * suffixes at label boundaries are the keys of the parent names.
 */
export function nameKey(name: string): string {
  const wire = encodeName(name);
  let s = '';
  for (let i = 0; i < wire.length; i++) s += String.fromCharCode(lowerAscii(wire[i]!));
  return s;
}

/** Canonical dotted form of a text name: lowercase, no trailing dot ('' for the root). */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** True if `name` equals `zone` or lies below it (both canonical dotted forms). */
export function isSubdomain(name: string, zone: string): boolean {
  if (zone === '') return true;
  return name === zone || name.endsWith('.' + zone);
}

function labelText(msg: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len; i++) {
    const c = msg[i]!;
    if (c === 0x2e || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c < 0x21 || c > 0x7e) s += '\\' + String(c).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

/** A name read from a message. */
export interface ReadName {
  /** Dotted presentation form, case as on the wire, no trailing dot ('' = root). Dots and odd bytes inside labels are escaped as in zone files. */
  name: string;
  /** Offset just after the name at its original position (after the first pointer, if any). */
  end: number;
  /** Uncompressed wire length of the name. */
  wireLength: number;
}

/**
 * Reads a (possibly compressed) name at `offset`.
 * @throws DnsWireError with code E_DNS_TRUNCATED, E_DNS_NAME_LABEL (reserved label type),
 *   E_DNS_NAME_LOOP (pointer not strictly backwards, or too many jumps) or E_DNS_NAME_LENGTH.
 */
export function readName(msg: Uint8Array, offset: number): ReadName {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let wireLength = 1;
  let jumps = 0;
  // Start of the label sequence being read; a pointer must land before it.
  let seqStart = offset;
  for (;;) {
    if (pos >= msg.length) throw new DnsWireError('E_DNS_TRUNCATED', `name at offset ${offset} runs past the end of the message`);
    const len = msg[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msg.length) throw new DnsWireError('E_DNS_TRUNCATED', `compression pointer at offset ${pos} is cut off`);
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= seqStart || ++jumps > MAX_POINTER_JUMPS) {
        throw new DnsWireError('E_DNS_NAME_LOOP', `compression pointer at offset ${pos} to ${target} does not point backwards (loop)`);
      }
      if (end < 0) end = pos + 2;
      pos = target;
      seqStart = target;
      continue;
    }
    if (kind !== 0) throw new DnsWireError('E_DNS_NAME_LABEL', `reserved label type 0x${kind.toString(16)} at offset ${pos}`);
    if (pos + 1 + len > msg.length) throw new DnsWireError('E_DNS_TRUNCATED', `label at offset ${pos} runs past the end of the message`);
    wireLength += 1 + len;
    if (wireLength > LIMIT.name) throw new DnsWireError('E_DNS_NAME_LENGTH', `name at offset ${offset} is longer than 255 bytes`);
    labels.push(labelText(msg, pos + 1, len));
    pos += 1 + len;
  }
  return { name: labels.join('.'), end, wireLength };
}
