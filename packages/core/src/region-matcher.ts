/**
 * Client address (or EDNS Client Subnet) → client region, by longest-prefix
 * match over the regions' `clientCidrs`, for the DNS hot path.
 *
 * One binary trie per address family, stored in typed arrays. A lookup walks
 * at most `sourcePrefix` bits and allocates nothing but its result.
 *
 * Scope (RFC 7871 SCOPE PREFIX-LENGTH): the shortest prefix of the queried
 * address over which the answer cannot change, so a resolver may cache it
 * for that whole block:
 * - Matched CIDR with no more-specific CIDR inside it near the address: its
 *   own prefix length (10.1.0.0/16 → 16).
 * - A more-specific CIDR of the policy lies inside the matched one: the
 *   scope is lengthened until the block around the address excludes it
 *   (10.0.0.0/8 plus 10.2.0.0/16, query 10.1.2.3 → 15), otherwise a
 *   resolver would serve 10.2.x.x clients from a /8 cache entry.
 * - Nothing matches (default region): the same rule, which gives the length
 *   of the largest block around the address containing no policy CIDR
 *   (only 10.0.0.0/8 configured, query 192.168.1.1 → 1). Not 0: scope 0
 *   would let a resolver serve the default region's answer to everyone,
 *   including clients inside the configured networks. 0 only when the
 *   family has no CIDRs at all.
 * - The source prefix is too short to decide (CIDRs longer than it lie
 *   inside the queried block): the region is chosen from CIDRs no longer
 *   than the source prefix, and the scope is the longest prefix among the
 *   CIDRs inside the block — longer than the source prefix, which RFC 7871
 *   §7.2.1 uses to say "not specific enough".
 *
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4 when the
 * source prefix covers the mapping prefix (≥ 96); the scope is reported in
 * IPv6 terms (IPv4 scope + 96).
 */
import { parseCidr, parseIp, type Policy } from '@edgesteer/policy/neutral';
import { CoreError } from './errors.js';

/** Result of a region lookup. */
export interface RegionMatch {
  /** Region id. */
  region: string;
  /** ECS scope prefix length for the answer (see module comment). */
  scopePrefix: number;
  /** True when a client CIDR matched, false when this is the default region. */
  matched: boolean;
}

/** Maps client addresses to regions. */
export interface RegionMatcher {
  /**
   * Region of `ip` (4 or 16 bytes, or text). `sourcePrefix` is the ECS
   * source prefix length; default: the whole address. Unparseable text
   * yields the default region with scope 0.
   */
  match(ip: Uint8Array | string, sourcePrefix?: number): RegionMatch;
  /** The default region id. */
  readonly defaultRegion: string;
}

/** A binary trie in flat arrays; node 0 is the root. */
class Trie {
  private child0: Int32Array;
  private child1: Int32Array;
  /** Region index stored at the node, -1 when no CIDR ends here. */
  private region: Int32Array;
  /** Deepest CIDR depth strictly below the node, -1 when none. */
  private deepest: Int16Array;
  private size = 1;

  constructor() {
    this.child0 = new Int32Array(64).fill(-1);
    this.child1 = new Int32Array(64).fill(-1);
    this.region = new Int32Array(64).fill(-1);
    this.deepest = new Int16Array(64).fill(-1);
  }

  /** Adds a CIDR; the first region to claim an exact prefix keeps it. */
  insert(bytes: Uint8Array, prefix: number, regionIdx: number): void {
    let node = 0;
    for (let d = 0; d < prefix; d++) {
      if (this.deepest[node]! < prefix) this.deepest[node] = prefix;
      const bit = (bytes[d >> 3]! >> (7 - (d & 7))) & 1;
      let next = (bit ? this.child1 : this.child0)[node]!;
      if (next < 0) {
        next = this.alloc(); // may replace the arrays: index them afresh
        (bit ? this.child1 : this.child0)[node] = next;
      }
      node = next;
    }
    if (this.region[node]! < 0) this.region[node] = regionIdx;
  }

  private alloc(): number {
    if (this.size === this.child0.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2).fill(-1);
        b.set(a);
        return b;
      };
      this.child0 = grow(this.child0);
      this.child1 = grow(this.child1);
      this.region = grow(this.region);
      const d = new Int16Array(this.deepest.length * 2).fill(-1);
      d.set(this.deepest);
      this.deepest = d;
    }
    return this.size++;
  }

  /** Longest match within the first `source` bits of the address at bytes[offset..]: writes region index (-1 = none) and scope to `out`. */
  lookup(bytes: Uint8Array, offset: number, source: number, out: { region: number; scope: number }): void {
    let node = 0;
    let match = this.region[0]!;
    let d = 0;
    for (;;) {
      const deepest = this.deepest[node]!;
      if (deepest < 0) {
        out.scope = d;
        break;
      }
      if (d >= source) {
        out.scope = deepest;
        break;
      }
      const bit = (bytes[offset + (d >> 3)]! >> (7 - (d & 7))) & 1;
      const next = bit ? this.child1[node]! : this.child0[node]!;
      d++;
      if (next < 0) {
        out.scope = d;
        break;
      }
      node = next;
      const r = this.region[node]!;
      if (r >= 0) match = r;
    }
    out.region = match;
  }
}

/** Builds the matcher. Throws E_CORE_BAD_CIDR for a client CIDR that does not parse (the validator reports it first). */
export function buildRegionMatcher(policy: Policy): RegionMatcher {
  const v4 = new Trie();
  const v6 = new Trie();
  const ids = policy.regions.map((r) => r.id);
  const defaultIdx = Math.max(0, policy.regions.findIndex((r) => r.default));
  policy.regions.forEach((region, i) => {
    for (const text of region.clientCidrs) {
      const cidr = parseCidr(text);
      if (!cidr) throw new CoreError('E_CORE_BAD_CIDR', `region ${region.id}: client CIDR "${text}" does not parse`);
      (cidr.family === 4 ? v4 : v6).insert(cidr.bytes, cidr.prefix, i);
    }
  });
  const defaultRegion = ids[defaultIdx] ?? '';
  const scratch = { region: -1, scope: 0 };

  function match(ip: Uint8Array | string, sourcePrefix?: number): RegionMatch {
    let bytes: Uint8Array;
    if (typeof ip === 'string') {
      const parsed = parseIp(ip);
      if (!parsed) return { region: defaultRegion, scopePrefix: 0, matched: false };
      bytes = parsed.bytes;
    } else {
      bytes = ip;
    }
    const bits = bytes.length === 4 ? 32 : bytes.length === 16 ? 128 : 0;
    if (bits === 0) return { region: defaultRegion, scopePrefix: 0, matched: false };
    let source = sourcePrefix === undefined ? bits : Math.max(0, Math.min(bits, Math.floor(sourcePrefix)));
    let trie = bits === 32 ? v4 : v6;
    let offset = 0;
    let scopeBase = 0;
    if (bits === 128 && source >= 96 && isV4Mapped(bytes)) {
      trie = v4;
      offset = 12;
      source -= 96;
      scopeBase = 96;
    }
    trie.lookup(bytes, offset, source, scratch);
    const r = scratch.region;
    return { region: r >= 0 ? ids[r]! : defaultRegion, scopePrefix: scratch.scope + scopeBase, matched: r >= 0 };
  }

  return { match, defaultRegion };
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
