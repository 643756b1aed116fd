/**
 * Which clients a routing change moves: by share of the address space and
 * by share of sampled client addresses, over a client map (which client
 * range belongs to which region).
 *
 * The map is taken through a small interface, the iteration part of the
 * compiled client map contract (`ranges` of `{ family, start, end, region }`,
 * sorted, disjoint, covering each family), so a compiled world map drops in
 * where `clientMapFromPolicy()` is used today (range bounds may be integers or
 * address text, as the compiled map yields them). `clientMapFromPolicy()`
 * builds the same shape from the policy alone: its `clientCidrs` (longest
 * prefix wins) and the default region for every other address.
 */
import { parseCidr, parseIp, type Policy } from '@edgesteer/policy';
import { sha256Hex } from '@edgesteer/core';

/**
 * One range of client addresses [start, end] (inclusive) of one region.
 * Bounds as integers, or as address text (what the compiled client map's
 * `ranges()` yields): both are accepted.
 */
export interface ClientRange {
  family: 4 | 6;
  start: bigint | string;
  end: bigint | string;
  region: string;
}

/** A range with integer bounds. */
interface IntRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  region: string;
}

function bound(v: bigint | string): bigint {
  if (typeof v === 'bigint') return v;
  const ip = parseIp(v);
  if (!ip) throw new Error(`client map range bound ${JSON.stringify(v)} is not an address`);
  return ipToBigInt(ip.bytes);
}

function intRanges(map: ClientMapLike): IntRange[] {
  const out: IntRange[] = [];
  for (const r of map.ranges()) out.push({ family: r.family, start: bound(r.start), end: bound(r.end), region: r.region });
  return out;
}

/** What share computations need of a client map. */
export interface ClientMapLike {
  /** Content hash (shown in plans; `policy:<hash>` for the policy-only map). */
  hash: string;
  /** Sorted by family then start, disjoint, together covering every address of both families. */
  ranges(): Iterable<ClientRange>;
}

const FAMILY_MAX: Record<4 | 6, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

/** The address as an unsigned integer. */
export function ipToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** The client map the policy alone implies: clientCidrs by longest prefix, the default region elsewhere. */
export function clientMapFromPolicy(policy: Policy): ClientMapLike {
  const fallback = (policy.regions.find((r) => r.default) ?? policy.regions[0])?.id ?? '';
  const blocks: Array<{ family: 4 | 6; start: bigint; end: bigint; prefix: number; region: string }> = [];
  for (const r of policy.regions) {
    for (const text of r.clientCidrs) {
      const c = parseCidr(text);
      if (!c) continue; // the validator reports it
      const bits = c.family === 4 ? 32 : 128;
      const size = 1n << BigInt(bits - c.prefix);
      const start = (ipToBigInt(c.bytes) / size) * size;
      blocks.push({ family: c.family, start, end: start + size - 1n, prefix: c.prefix, region: r.id });
    }
  }
  const ranges: IntRange[] = [];
  for (const family of [4, 6] as const) {
    // CIDRs nest or are disjoint: paint each block over its parents, shortest prefix first.
    const fam = blocks.filter((b) => b.family === family);
    let cuts: IntRange[] = [{ family, start: 0n, end: FAMILY_MAX[family], region: fallback }];
    for (const b of [...fam].sort((a, b) => a.prefix - b.prefix)) cuts = paint(cuts, b.start, b.end, b.region, family);
    ranges.push(...merge(cuts));
  }
  // Content hash of the ranges: equal maps get equal hashes whatever else the policies change.
  const hash = 'policy:' + sha256Hex(ranges.map((r) => `${r.family} ${r.start} ${r.end} ${r.region}`).join('\n')).slice(0, 12);
  return { hash, ranges: () => ranges };
}

function paint(cuts: IntRange[], start: bigint, end: bigint, region: string, family: 4 | 6): IntRange[] {
  const out: IntRange[] = [];
  for (const c of cuts) {
    if (c.end < start || c.start > end) {
      out.push(c);
      continue;
    }
    if (c.start < start) out.push({ ...c, end: start - 1n });
    out.push({ family, start: c.start > start ? c.start : start, end: c.end < end ? c.end : end, region });
    if (c.end > end) out.push({ ...c, start: end + 1n });
  }
  return out;
}

function merge(ranges: IntRange[]): IntRange[] {
  const out: IntRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.region === r.region && last.end + 1n === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** Share (0..1) of each family's address space per region. */
export function spaceShares(map: ClientMapLike): Record<string, { v4: number; v6: number }> {
  const out: Record<string, { v4: number; v6: number }> = {};
  for (const r of intRanges(map)) {
    const share = ratio(r.end - r.start + 1n, FAMILY_MAX[r.family] + 1n);
    const s = (out[r.region] ??= { v4: 0, v6: 0 });
    if (r.family === 4) s.v4 += share;
    else s.v6 += share;
  }
  return out;
}

/** Region of an address in a map (binary search), or undefined when the address does not parse. */
export function regionOf(map: ClientMapLike, address: string, index = rangeIndex(map)): string | undefined {
  const ip = parseIp(address.trim());
  if (!ip) return undefined;
  const v = ipToBigInt(ip.bytes);
  const list = index[ip.family];
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = list[mid]!;
    if (v < r.start) hi = mid - 1;
    else if (v > r.end) lo = mid + 1;
    else return r.region;
  }
  return undefined;
}

/** A map's ranges by family, for repeated regionOf() calls. */
export function rangeIndex(map: ClientMapLike): Record<4 | 6, IntRange[]> {
  const out: Record<4 | 6, IntRange[]> = { 4: [], 6: [] };
  for (const r of intRanges(map)) out[r.family].push(r);
  return out;
}

/**
 * Share of the address space whose answer differs between two worlds, each
 * a client map plus a function from region to answer: the two maps'
 * ranges are overlaid, so a change of clientCidrs counts too.
 */
export function movedSpace(before: ClientMapLike, after: ClientMapLike, answerBefore: (region: string) => string, answerAfter: (region: string) => string): { v4: number; v6: number } {
  const a = rangeIndex(before);
  const b = rangeIndex(after);
  const out = { v4: 0, v6: 0 };
  for (const family of [4, 6] as const) {
    let moved = 0n;
    let i = 0;
    let j = 0;
    let pos = 0n;
    const A = a[family];
    const B = b[family];
    while (i < A.length && j < B.length) {
      const end = A[i]!.end < B[j]!.end ? A[i]!.end : B[j]!.end;
      if (end >= pos && answerBefore(A[i]!.region) !== answerAfter(B[j]!.region)) moved += end - pos + 1n;
      pos = end + 1n;
      if (A[i]!.end === end) i++;
      if (B[j]!.end === end) j++;
    }
    const share = ratio(moved, FAMILY_MAX[family] + 1n);
    if (family === 4) out.v4 = share;
    else out.v6 = share;
  }
  return out;
}

/** n / d as a float, exact enough for shares of 2^128. */
function ratio(n: bigint, d: bigint): number {
  // Scale to 53 bits of precision before converting.
  const SCALE = 1n << 53n;
  return Number((n * SCALE) / d) / Number(SCALE);
}
