/**
 * Client region lookup for the answer plane: the region matcher from
 * @edgesteer/core (longest prefix over the regions' client CIDRs, default
 * region otherwise) behind a bounded cache, so a busy resolver's subnet costs
 * one Map lookup instead of a prefix search.
 */

/** Result of a region match: the region id and the ECS scope prefix to return. */
export interface RegionMatch {
  region: string;
  scopePrefix: number;
}

/** What the plane needs from the client map (`ClientMap` of @edgesteer/core). */
export interface RegionMatcherLike {
  match(ip: Uint8Array | string, sourcePrefix?: number): RegionMatch;
  /** Optional allocation-free lookup (the compiled client map has it): fills `out` from bytes[offset..offset+length). */
  lookupInto?(bytes: Uint8Array, offset: number, length: 4 | 16, sourcePrefix: number, out: RegionMatch & { regionIndex: number; rule: string }): unknown;
}

/** Entries kept before a cache is cleared (clearing is O(1) amortised and bounds memory under address scans). */
const CACHE_LIMIT = 65_536;

/** Region index and scope, packed as index * 256 + scope. */
export class RegionLookup {
  private readonly v4 = new Map<number, number>();
  private readonly other = new Map<string, number>();
  private readonly probe = new Uint8Array(16);
  /** Reused result of matcher.lookupInto (no allocation per cache miss). */
  private readonly scratch = { regionIndex: 0, region: '', scopePrefix: 0, matched: false, rule: 'default' };

  constructor(
    private readonly matcher: RegionMatcherLike,
    private readonly regionIndex: ReadonlyMap<string, number>,
    private readonly defaultIndex: number,
  ) {}

  private pack(m: RegionMatch): number {
    const idx = this.regionIndex.get(m.region) ?? this.defaultIndex;
    return idx * 256 + (m.scopePrefix & 0xff);
  }

  private miss(addr: Uint8Array, length: 4 | 16, source: number): number {
    const m = this.matcher;
    if (m.lookupInto) {
      m.lookupInto(addr, 0, length, source, this.scratch);
      return this.pack(this.scratch);
    }
    return this.pack(m.match(addr.slice(0, length), source));
  }

  /** Region of an ECS subnet: `addr` holds the full-width address (zero-padded). */
  ecs(family: number, addr: Uint8Array, source: number): number {
    if (family === 1) {
      const key = (((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0) * 64 + source;
      let v = this.v4.get(key);
      if (v === undefined) {
        if (this.v4.size >= CACHE_LIMIT) this.v4.clear();
        v = this.miss(addr, 4, source);
        this.v4.set(key, v);
      }
      return v;
    }
    let key = 'e' + source + ':';
    for (let i = 0; i < 16; i++) key += String.fromCharCode(addr[i]!);
    let v = this.other.get(key);
    if (v === undefined) {
      if (this.other.size >= CACHE_LIMIT) this.other.clear();
      v = this.miss(addr, 16, source);
      this.other.set(key, v);
    }
    return v;
  }

  /** Region of a source address (text such as `10.2.3.4`, `::ffff:10.2.3.4`, or 4/16 bytes). */
  source(client: string | Uint8Array): number {
    if (typeof client !== 'string') {
      const n = client.length === 4 ? 4 : 16;
      this.probe.fill(0);
      this.probe.set(client.subarray(0, n));
      return this.ecs(n === 4 ? 1 : 2, this.probe, n * 8) & ~0xff;
    }
    let v = this.other.get(client);
    if (v === undefined) {
      if (this.other.size >= CACHE_LIMIT) this.other.clear();
      // Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6.
      const text = client.startsWith('::ffff:') && client.includes('.') ? client.slice(7) : client;
      try {
        v = this.pack(this.matcher.match(text));
      } catch {
        v = this.defaultIndex * 256;
      }
      this.other.set(client, v);
    }
    return v;
  }
}
