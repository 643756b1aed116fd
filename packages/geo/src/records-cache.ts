/**
 * The database's records, kept between compiles: listing a world database
 * through mmdb-lib takes seconds, and the records do not depend on the
 * policy. In memory per process (last few databases), and on disk beside the
 * map cache (map-cache.ts) as a compact binary keyed by the database's
 * SHA-256, so a process compiling a new policy skips the listing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GeoRecords } from '@edgesteer/core';
import { cacheDir, COMPILER_VERSION } from './map-cache.js';

const memory = new Map<string, GeoRecords>();
const SLOTS = 2;

/** SHA-256 hex of the database bytes (the records' identity). */
export function databaseDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function file(digest: string): string | undefined {
  const dir = cacheDir();
  return dir ? path.join(dir, `records-${COMPILER_VERSION}-${digest}.bin`) : undefined;
}

/** Records of the database with this digest, from memory or disk; undefined when not cached. */
export function cachedRecords(digest: string): GeoRecords | undefined {
  const m = memory.get(digest);
  if (m) return m;
  const f = file(digest);
  if (!f) return undefined;
  try {
    const r = decode(readFileSync(f));
    remember(digest, r);
    return r;
  } catch {
    return undefined;
  }
}

/** Keeps records in memory and on disk (failures to write only cost speed). */
export function storeRecords(digest: string, r: GeoRecords): void {
  remember(digest, r);
  const f = file(digest);
  if (!f) return;
  try {
    mkdirSync(path.dirname(f), { recursive: true });
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, encode(r));
    renameSync(tmp, f);
  } catch {
    // read-only or full disk
  }
}

function remember(digest: string, r: GeoRecords): void {
  memory.set(digest, r);
  if (memory.size > SLOTS) memory.delete(memory.keys().next().value!);
}

/** Layout: u32 header length, header JSON {source, locations, n4, n6}, then v4 start/end/loc (u32 each), v6 start/end (4 × u32 each) and loc (u32). */
function encode(r: GeoRecords): Uint8Array {
  const header = Buffer.from(JSON.stringify({ source: r.source, locations: r.locations, n4: r.v4.loc.length, n6: r.v6.loc.length }));
  const n4 = r.v4.loc.length;
  const n6 = r.v6.loc.length;
  const words = new Uint32Array(n4 * 3 + n6 * 9);
  let p = 0;
  for (let i = 0; i < n4; i++) words[p++] = r.v4.start[i]!;
  for (let i = 0; i < n4; i++) words[p++] = r.v4.end[i]!;
  for (let i = 0; i < n4; i++) words[p++] = r.v4.loc[i]!;
  for (const list of [r.v6.start, r.v6.end]) {
    for (const v of list) {
      words[p++] = Number((v >> 96n) & 0xffffffffn);
      words[p++] = Number((v >> 64n) & 0xffffffffn);
      words[p++] = Number((v >> 32n) & 0xffffffffn);
      words[p++] = Number(v & 0xffffffffn);
    }
  }
  for (let i = 0; i < n6; i++) words[p++] = r.v6.loc[i]!;
  const out = Buffer.alloc(4 + header.length + words.byteLength);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  Buffer.from(words.buffer).copy(out, 4 + header.length);
  return out;
}

function decode(buf: Buffer): GeoRecords {
  const hl = buf.readUInt32LE(0);
  const h = JSON.parse(buf.subarray(4, 4 + hl).toString('utf8')) as { source: string; locations: GeoRecords['locations']; n4: number; n6: number };
  const body = buf.subarray(4 + hl);
  const aligned = new Uint8Array(body.length);
  aligned.set(body);
  const w = new Uint32Array(aligned.buffer, 0, Math.floor(body.length / 4));
  if (w.length !== h.n4 * 3 + h.n6 * 9) throw new Error('records cache size mismatch');
  let p = 0;
  const take = (n: number) => {
    const a = Array.from(w.subarray(p, p + n));
    p += n;
    return a;
  };
  const v4 = { start: take(h.n4), end: take(h.n4), loc: [] as number[] };
  v4.loc = take(h.n4);
  const big = (n: number) => {
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++, p += 4) out[i] = (BigInt(w[p]!) << 96n) | (BigInt(w[p + 1]!) << 64n) | (BigInt(w[p + 2]!) << 32n) | BigInt(w[p + 3]!);
    return out;
  };
  const start = big(h.n6);
  const end = big(h.n6);
  const loc = take(h.n6);
  return { source: h.source, locations: h.locations, v4, v6: { start, end, loc } };
}
