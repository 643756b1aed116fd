/**
 * The compiled client map: every IPv4 and IPv6 address → a region, as
 * sorted ranges (each range runs from its start to the next range's start),
 * adjacent ranges of the same region merged. Immutable and runtime-neutral:
 * the DNS server, the Worker on Node and the Worker in workerd answer from
 * the same map, shipped between them as {@link ClientMap.serialize} bytes.
 *
 * Hash contract: `hash` is the lowercase hex SHA-256 of `serialize()` (the
 * "ESCM" v1 layout below), so equal hashes mean the same regions, the same
 * ranges and the same rules for every address.
 *
 * ECS scope (RFC 7871 §7.2.1): the shortest prefix whose block around the
 * address lies inside the range holding it. Never longer than needed (the
 * whole block gets the same answer) and never so short that it covers an
 * address of another region. When the source prefix is too short to decide
 * (its block spans ranges), the region is the one of the block's first
 * address and the scope is longer than the source prefix, which is how RFC
 * 7871 says "not specific enough".
 *
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) with a source prefix of at least 96 is
 * looked up as IPv4; its scope is given in IPv6 terms (IPv4 scope + 96).
 *
 * Layout of serialize() (big-endian):
 *   "ESCM" u8 version=1 | u16 regionCount, per region u8 length + UTF-8 id
 *   | u16 defaultIndex | u16 length + UTF-8 source
 *   | v4 regions: u32 n, n × u32 start, n × u8 region
 *   | v6 regions: u32 n, u8 width (8 or 16), n × width-byte start, n × u8 region
 *   | v4 rules:   u32 n, n × u32 start, n × u8 rule
 *   | v6 rules:   u32 n, u8 width, n × width-byte start, n × u8 rule
 * A v6 layer whose starts all end in 64 zero bits (every range is /64 or
 * wider, as in GeoIP data) is written with 8-byte starts: half the size.
 * The rule layers (which rule placed each address, see client-rules.ts)
 * serve `lookup()` and explain; the answer path reads the region layers only.
 */
import { parseIp } from '@edgesteer/policy/neutral';
import { CLIENT_RULES, type ClientRule } from './client-rules.js';
import { parseLayers, serializeLayers, validate, type ClientMapLayers } from './client-map-bytes.js';
import { sha256Hex } from './sha256.js';

export type { ClientMapLayers } from './client-map-bytes.js';

/** Result of a lookup. `lookupInto` reuses one of these, so it allocates nothing. */
export interface ClientMatch {
  regionIndex: number;
  region: string;
  /** ECS scope prefix length for the answer. */
  scopePrefix: number;
  /** The rule that placed the client; 'default' when the rule layer was not read (lookupInto without rules). */
  rule: ClientRule;
}

/** One range of the map, as iteration yields it. */
export interface ClientRange {
  family: 4 | 6;
  /** First and last address, as text. */
  start: string;
  end: string;
  region: string;
}

/** Sizes, for logs, /healthz and `edgesteer geo stats`. */
export interface ClientMapStats {
  v4Ranges: number;
  v6Ranges: number;
  v4RuleRanges: number;
  v6RuleRanges: number;
  /** Size of serialize(). */
  bytes: number;
}

/** Index of the last range starting at or below the v4 address (ranges start at 0). */
function find4(starts: Uint32Array, a: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Compares the v6 start at range i with the address words. */
function cmp6(starts: Uint32Array, i: number, a0: number, a1: number, a2: number, a3: number): number {
  const k = i * 4;
  let d = starts[k]! - a0;
  if (d !== 0) return d;
  d = starts[k + 1]! - a1;
  if (d !== 0) return d;
  d = starts[k + 2]! - a2;
  if (d !== 0) return d;
  return starts[k + 3]! - a3;
}

function find6(starts: Uint32Array, a0: number, a1: number, a2: number, a3: number): number {
  let lo = 0;
  let hi = starts.length / 4 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (cmp6(starts, mid, a0, a1, a2, a3) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Leading bits shared by the address and four words; 128 when equal. */
function common6(a0: number, a1: number, a2: number, a3: number, w0: number, w1: number, w2: number, w3: number): number {
  let d = (a0 ^ w0) >>> 0;
  if (d !== 0) return Math.clz32(d);
  d = (a1 ^ w1) >>> 0;
  if (d !== 0) return 32 + Math.clz32(d);
  d = (a2 ^ w2) >>> 0;
  if (d !== 0) return 64 + Math.clz32(d);
  d = (a3 ^ w3) >>> 0;
  return d !== 0 ? 96 + Math.clz32(d) : 128;
}

function mask32(word: number, bits: number): number {
  if (bits >= 32) return word >>> 0;
  if (bits <= 0) return 0;
  return (word & (0xffffffff << (32 - bits))) >>> 0;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** The compiled client map (see module comment). */
export class ClientMap {
  /** Hex SHA-256 of serialize(). */
  readonly hash: string;
  readonly regions: readonly string[];
  readonly defaultIndex: number;
  readonly defaultRegion: string;
  /** Which database the map was compiled from ("none" for clientCidrs only). */
  readonly source: string;
  readonly stats: ClientMapStats;
  private readonly l: ClientMapLayers;
  private readonly serialized: Uint8Array;
  private readonly scratch: ClientMatch;

  private constructor(layers: ClientMapLayers, serialized: Uint8Array, trustedHash?: string) {
    this.l = layers;
    this.regions = layers.regions;
    this.defaultIndex = layers.defaultIndex;
    this.defaultRegion = layers.regions[layers.defaultIndex] ?? '';
    this.source = layers.source;
    this.serialized = serialized;
    this.hash = trustedHash ?? sha256Hex(serialized);
    this.stats = {
      v4Ranges: layers.v4.length,
      v6Ranges: layers.v6.length / 4,
      v4RuleRanges: layers.v4Rule.length,
      v6RuleRanges: layers.v6Rule.length / 4,
      bytes: serialized.length,
    };
    this.scratch = { regionIndex: this.defaultIndex, region: this.defaultRegion, scopePrefix: 0, rule: 'default' };
  }

  /**
   * Builds a map from its layers (compileClientMap does this). Throws
   * E_CORE_CLIENT_MAP_CORRUPT on inconsistent layers. `sha256Hex` lets a
   * runtime with a native SHA-256 (Node's crypto) hash the bytes; it must
   * return the same lowercase hex as core's own.
   */
  static fromLayers(layers: ClientMapLayers, hashHex: (bytes: Uint8Array) => string = sha256Hex): ClientMap {
    validate(layers);
    const bytes = serializeLayers(layers);
    return new ClientMap(layers, bytes, hashHex(bytes));
  }

  /**
   * Reads serialize() output. Throws E_CORE_CLIENT_MAP_CORRUPT when the
   * bytes are not a valid map. `trustedHash` skips hashing the bytes again
   * where they arrived together with their hash from a trusted build (the
   * Worker bundle: hashing megabytes costs an isolate's start-up time); a
   * function hashes them natively (Node's crypto), same value as core's.
   */
  static deserialize(bytes: Uint8Array, trustedHash?: string | ((bytes: Uint8Array) => string)): ClientMap {
    const layers = parseLayers(bytes);
    validate(layers);
    const copy = bytes.slice();
    return new ClientMap(layers, copy, typeof trustedHash === 'function' ? trustedHash(copy) : trustedHash);
  }

  /** The map as bytes (the hashed, shippable form). */
  serialize(): Uint8Array {
    return this.serialized;
  }

  /**
   * Looks up `bytes` (4 or 16 bytes from `offset`, see `length`) and fills
   * `out`; allocates nothing. `sourcePrefix` is the ECS source prefix
   * (default: the whole address). With `withRule` the rule layer is read too.
   */
  lookupInto(bytes: Uint8Array, offset: number, length: 4 | 16, sourcePrefix: number, out: ClientMatch, withRule = false): ClientMatch {
    const l = this.l;
    let source = sourcePrefix;
    if (length === 16 && source >= 96 && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff && word(bytes, offset) === 0 && word(bytes, offset + 4) === 0 && bytes[offset + 8] === 0 && bytes[offset + 9] === 0) {
      this.lookupInto(bytes, offset + 12, 4, source - 96, out, withRule);
      out.scopePrefix += 96;
      return out;
    }
    if (length === 4) {
      source = source < 0 ? 0 : source > 32 ? 32 : source;
      const a = mask32(word(bytes, offset), source);
      const i = find4(l.v4, a);
      const r = l.v4Region[i]!;
      let scope = 0;
      const start = l.v4[i]!;
      if (start > 0) scope = Math.clz32((a ^ (start - 1)) >>> 0) + 1;
      if (i + 1 < l.v4.length) {
        const s = Math.clz32((a ^ l.v4[i + 1]!) >>> 0) + 1;
        if (s > scope) scope = s;
      }
      out.regionIndex = r;
      out.region = l.regions[r]!;
      out.scopePrefix = scope;
      out.rule = withRule ? CLIENT_RULES[l.v4RuleId[find4(l.v4Rule, a)]!]! : 'default';
      return out;
    }
    source = source < 0 ? 0 : source > 128 ? 128 : source;
    const a0 = mask32(word(bytes, offset), source);
    const a1 = mask32(word(bytes, offset + 4), source - 32);
    const a2 = mask32(word(bytes, offset + 8), source - 64);
    const a3 = mask32(word(bytes, offset + 12), source - 96);
    const s6 = l.v6;
    const i = find6(s6, a0, a1, a2, a3);
    const r = l.v6Region[i]!;
    let scope = 0;
    const k = i * 4;
    let w0 = s6[k]!;
    let w1 = s6[k + 1]!;
    let w2 = s6[k + 2]!;
    let w3 = s6[k + 3]!;
    if ((w0 | w1 | w2 | w3) !== 0) {
      // start - 1 across the words (borrow), then the bits shared with the address.
      if (w3 !== 0) w3 -= 1;
      else {
        w3 = 0xffffffff;
        if (w2 !== 0) w2 -= 1;
        else {
          w2 = 0xffffffff;
          if (w1 !== 0) w1 -= 1;
          else {
            w1 = 0xffffffff;
            w0 -= 1;
          }
        }
      }
      scope = common6(a0, a1, a2, a3, w0, w1, w2, w3) + 1;
    }
    if (k + 4 < s6.length) {
      const s = common6(a0, a1, a2, a3, s6[k + 4]!, s6[k + 5]!, s6[k + 6]!, s6[k + 7]!) + 1;
      if (s > scope) scope = s;
    }
    out.regionIndex = r;
    out.region = l.regions[r]!;
    out.scopePrefix = scope;
    out.rule = withRule ? CLIENT_RULES[l.v6RuleId[find6(l.v6Rule, a0, a1, a2, a3)]!]! : 'default';
    return out;
  }

  /** Region, ECS scope and rule of an address (4/16 bytes); a fresh result object. */
  lookup(ip: Uint8Array, sourcePrefix?: number): ClientMatch {
    const len = ip.length === 4 ? 4 : 16;
    const out: ClientMatch = { regionIndex: 0, region: '', scopePrefix: 0, rule: 'default' };
    return this.lookupInto(ip, 0, len, sourcePrefix ?? len * 8, out, true);
  }

  /**
   * Region matcher interface the answer plane takes (RegionMatcherLike of
   * @edgesteer/dns-wire): `matched` is true when a clientCidrs entry placed
   * the client. Text that is not an address gets the default region, scope 0.
   */
  match(ip: Uint8Array | string, sourcePrefix?: number): { region: string; scopePrefix: number; matched: boolean } {
    let bytes: Uint8Array | undefined;
    if (typeof ip === 'string') bytes = parseAddress(ip);
    else if (ip.length === 4 || ip.length === 16) bytes = ip;
    if (!bytes) return { region: this.defaultRegion, scopePrefix: 0, matched: false };
    const m = this.lookupInto(bytes, 0, bytes.length as 4 | 16, sourcePrefix ?? bytes.length * 8, this.scratch, true);
    return { region: m.region, scopePrefix: m.scopePrefix, matched: m.rule === 'cidr' };
  }

  /**
   * An address of the region (the first address of its first range, IPv4
   * first), or undefined when no address maps there: for answering on
   * behalf of a region chosen without an address (request.cf on Cloudflare).
   */
  firstAddress(regionIndex: number): Uint8Array | undefined {
    const l = this.l;
    const i4 = l.v4Region.indexOf(regionIndex);
    if (i4 >= 0) {
      const a = l.v4[i4]!;
      return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
    }
    const i6 = l.v6Region.indexOf(regionIndex);
    if (i6 < 0) return undefined;
    const out = new Uint8Array(16);
    const dv = new DataView(out.buffer);
    for (let k = 0; k < 4; k++) dv.setUint32(k * 4, l.v6[i6 * 4 + k]!);
    return out;
  }

  /** The IPv4 range holding address `a` (as a number): its region index and last address. */
  range4(a: number): { regionIndex: number; end: number } {
    const l = this.l;
    const i = find4(l.v4, a >>> 0);
    return { regionIndex: l.v4Region[i]!, end: i + 1 < l.v4.length ? l.v4[i + 1]! - 1 : 0xffffffff };
  }

  /** Every range of the region layers, IPv4 first, in address order. */
  *ranges(): IterableIterator<ClientRange> {
    const l = this.l;
    for (let i = 0; i < l.v4.length; i++) {
      const end = i + 1 < l.v4.length ? l.v4[i + 1]! - 1 : 0xffffffff;
      yield { family: 4, start: v4Text(l.v4[i]!), end: v4Text(end), region: l.regions[l.v4Region[i]!]! };
    }
    const n6 = l.v6.length / 4;
    for (let i = 0; i < n6; i++) {
      const start = big6(l.v6, i);
      const end = i + 1 < n6 ? big6(l.v6, i + 1) - 1n : (1n << 128n) - 1n;
      yield { family: 6, start: v6Text(start), end: v6Text(end), region: l.regions[l.v6Region[i]!]! };
    }
  }

  /** Address counts per region and family (for `geo stats`): v4 as numbers, v6 in /64 units (as numbers). */
  addressShare(): Array<{ region: string; v4: number; v6Slash64: number }> {
    const l = this.l;
    const out = l.regions.map((region) => ({ region, v4: 0, v6Slash64: 0 }));
    for (let i = 0; i < l.v4.length; i++) {
      const end = i + 1 < l.v4.length ? l.v4[i + 1]! : 2 ** 32;
      out[l.v4Region[i]!]!.v4 += end - l.v4[i]!;
    }
    const n6 = l.v6.length / 4;
    for (let i = 0; i < n6; i++) {
      const start = big6(l.v6, i) >> 64n;
      const end = i + 1 < n6 ? big6(l.v6, i + 1) >> 64n : 1n << 64n;
      out[l.v6Region[i]!]!.v6Slash64 += Number(end - start);
    }
    return out;
  }
}

function big6(s: Uint32Array, i: number): bigint {
  const k = i * 4;
  return (BigInt(s[k]!) << 96n) | (BigInt(s[k + 1]!) << 64n) | (BigInt(s[k + 2]!) << 32n) | BigInt(s[k + 3]!);
}

/** IPv4 address as text. */
export function v4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** IPv6 address (bigint) as text, RFC 5952 compressed. */
export function v6Text(a: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Text address → 4/16 bytes (IPv4-mapped IPv6 stays 16 bytes; lookupInto unwraps it). */
function parseAddress(text: string): Uint8Array | undefined {
  return parseIp(text)?.bytes;
}

