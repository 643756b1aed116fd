/**
 * The client map's bytes (the "ESCM" v1 layout documented in
 * client-map.ts): writing, reading and checking the layers. The bytes are
 * what is hashed and what travels between processes and into the Worker.
 */
import { CLIENT_RULES } from './client-rules.js';
import { CoreError } from './errors.js';

const MAGIC = [0x45, 0x53, 0x43, 0x4d]; // "ESCM"
const VERSION = 1;

/** Family layers as typed arrays: v4 starts are u32, v6 starts four u32 words each (most significant first). */
export interface ClientMapLayers {
  regions: readonly string[];
  defaultIndex: number;
  source: string;
  v4: Uint32Array;
  v4Region: Uint8Array;
  v6: Uint32Array;
  v6Region: Uint8Array;
  v4Rule: Uint32Array;
  v4RuleId: Uint8Array;
  v6Rule: Uint32Array;
  v6RuleId: Uint8Array;
}

/** start i of `s` compared with start j (four words each). */
function cmpAt(s: Uint32Array, i: number, j: number): number {
  for (let k = 0; k < 4; k++) {
    const d = s[i * 4 + k]! - s[j * 4 + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

function corrupt(msg: string): never {
  throw new CoreError('E_CORE_CLIENT_MAP_CORRUPT', `client map: ${msg}`);
}

/** Throws E_CORE_CLIENT_MAP_CORRUPT unless the layers are consistent (sorted, starting at 0, values in range). */
export function validate(l: ClientMapLayers): void {
  if (l.regions.length === 0 || l.regions.length > 255) corrupt(`${l.regions.length} regions (1..255 allowed)`);
  if (l.defaultIndex < 0 || l.defaultIndex >= l.regions.length) corrupt('default region index out of range');
  const check4 = (s: Uint32Array, v: Uint8Array, max: number, what: string) => {
    if (s.length === 0 || s.length !== v.length || s[0] !== 0) corrupt(`${what}: must start at 0.0.0.0`);
    for (let i = 1; i < s.length; i++) if (s[i]! <= s[i - 1]!) corrupt(`${what}: starts not increasing at ${i}`);
    for (let i = 0; i < v.length; i++) if (v[i]! >= max) corrupt(`${what}: value ${v[i]} out of range`);
  };
  const check6 = (s: Uint32Array, v: Uint8Array, max: number, what: string) => {
    const n = s.length / 4;
    if (n === 0 || s.length % 4 !== 0 || n !== v.length || (s[0]! | s[1]! | s[2]! | s[3]!) !== 0) corrupt(`${what}: must start at ::`);
    for (let i = 1; i < n; i++) if (cmpAt(s, i, i - 1) <= 0) corrupt(`${what}: starts not increasing at ${i}`);
    for (let i = 0; i < v.length; i++) if (v[i]! >= max) corrupt(`${what}: value ${v[i]} out of range`);
  };
  check4(l.v4, l.v4Region, l.regions.length, 'v4 regions');
  check6(l.v6, l.v6Region, l.regions.length, 'v6 regions');
  check4(l.v4Rule, l.v4RuleId, CLIENT_RULES.length, 'v4 rules');
  check6(l.v6Rule, l.v6RuleId, CLIENT_RULES.length, 'v6 rules');
}

const enc = new TextEncoder();

/** The layers as bytes. */
export function serializeLayers(l: ClientMapLayers): Uint8Array {
  const ids = l.regions.map((r) => enc.encode(r));
  const source = enc.encode(l.source);
  const width = (s: Uint32Array) => {
    for (let i = 2; i < s.length; i += 4) if ((s[i]! | s[i + 1]!) !== 0) return 16;
    return 8;
  };
  const w6 = width(l.v6);
  const w6r = width(l.v6Rule);
  const size =
    5 + 2 + ids.reduce((n, b) => n + 1 + b.length, 0) + 2 + 2 + source.length +
    4 + l.v4.length * 5 + 5 + (l.v6.length / 4) * (w6 + 1) + 4 + l.v4Rule.length * 5 + 5 + (l.v6Rule.length / 4) * (w6r + 1);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let p = 0;
  out.set(MAGIC, 0);
  out[4] = VERSION;
  p = 5;
  dv.setUint16(p, ids.length);
  p += 2;
  for (const b of ids) {
    if (b.length > 255) corrupt('region id longer than 255 bytes');
    out[p++] = b.length;
    out.set(b, p);
    p += b.length;
  }
  dv.setUint16(p, l.defaultIndex);
  p += 2;
  if (source.length > 65_535) corrupt('source text too long');
  dv.setUint16(p, source.length);
  p += 2;
  out.set(source, p);
  p += source.length;
  /** words: u32 words per start in memory; keep: how many of them are written (v6 with 8-byte starts: 2). */
  const layer = (starts: Uint32Array, values: Uint8Array, words: number, keep: number) => {
    dv.setUint32(p, values.length);
    p += 4;
    if (words === 4) out[p++] = keep * 4;
    for (let i = 0; i < starts.length; i++) {
      if (i % words >= keep) continue;
      dv.setUint32(p, starts[i]!);
      p += 4;
    }
    out.set(values, p);
    p += values.length;
  };
  layer(l.v4, l.v4Region, 1, 1);
  layer(l.v6, l.v6Region, 4, w6 / 4);
  layer(l.v4Rule, l.v4RuleId, 1, 1);
  layer(l.v6Rule, l.v6RuleId, 4, w6r / 4);
  return out;
}

/** Bytes → layers (validate() them next). */
export function parseLayers(bytes: Uint8Array): ClientMapLayers {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const need = (n: number) => {
    if (p + n > bytes.length) corrupt(`truncated at byte ${p} (needs ${n} more of ${bytes.length})`);
  };
  need(7);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) corrupt('not a client map (magic "ESCM" missing)');
  if (bytes[4] !== VERSION) corrupt(`format version ${bytes[4]}, this edgesteer reads ${VERSION}`);
  p = 5;
  const nRegions = dv.getUint16(p);
  p += 2;
  const dec = new TextDecoder('utf-8', { fatal: true });
  const regions: string[] = [];
  for (let i = 0; i < nRegions; i++) {
    need(1);
    const n = bytes[p++]!;
    need(n);
    regions.push(dec.decode(bytes.subarray(p, p + n)));
    p += n;
  }
  need(4);
  const defaultIndex = dv.getUint16(p);
  p += 2;
  const sn = dv.getUint16(p);
  p += 2;
  need(sn);
  const source = dec.decode(bytes.subarray(p, p + sn));
  p += sn;
  const layer = (words: number): [Uint32Array, Uint8Array] => {
    need(4);
    const n = dv.getUint32(p);
    p += 4;
    let keep = words;
    if (words === 4) {
      need(1);
      const width = bytes[p++]!;
      if (width !== 8 && width !== 16) corrupt(`IPv6 start width ${width} (8 or 16 allowed)`);
      keep = width / 4;
    }
    need(n * keep * 4 + n);
    const s = new Uint32Array(n * words);
    for (let i = 0; i < s.length; i++) {
      if (i % words >= keep) continue;
      s[i] = dv.getUint32(p);
      p += 4;
    }
    const v = bytes.slice(p, p + n);
    p += n;
    return [s, v];
  };
  const [v4, v4Region] = layer(1);
  const [v6, v6Region] = layer(4);
  const [v4Rule, v4RuleId] = layer(1);
  const [v6Rule, v6RuleId] = layer(4);
  if (p !== bytes.length) corrupt(`${bytes.length - p} bytes of trailing data`);
  return { regions, defaultIndex, source, v4, v4Region, v6, v6Region, v4Rule, v4RuleId, v6Rule, v6RuleId };
}
