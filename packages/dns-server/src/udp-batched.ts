/**
 * The batched UDP path: the native addon (native/mmsg.cc) reads up to
 * `batch` datagrams with one recvmmsg(), calls back once with all of them,
 * and sends every answer with one sendmmsg(). The answers come from the same
 * engine and answer plane as the node:dgram path (udp-listener.ts); only the
 * socket calls differ. Answers are written straight into the addon's output
 * slots (the plane's `alloc` hands out the slot), so nothing is copied.
 *
 * Optional: when the addon was not built (no compiler, not Linux) or does not
 * load, {@link loadBatchAddon} says why and the server uses node:dgram.
 */
import { createRequire } from 'node:module';
import type { AnswerOptions } from '@edgesteer/dns-wire';
import type { DnsEngine } from './engine.js';
import type { ResponseRateLimiter } from './rrl.js';

/** The addon's socket (see native/mmsg.cc). */
interface NativeBatchSocket {
  readonly in: ArrayBuffer;
  readonly out: ArrayBuffer;
  readonly meta: ArrayBuffer;
  readonly addr: ArrayBuffer;
  start(onBatch: (n: number) => void): void;
  close(): void;
  port(): number;
  stats(): { received: number; sent: number; sendErrors: number };
}

interface Addon {
  BatchSocket: new (host: string, port: number, reusePort: boolean, batch: number, outSlot: number, bufferBytes: number) => NativeBatchSocket;
}

/** Where the build puts the addon (scripts/build-native.mjs), relative to src/ and dist/ alike. */
const ADDON_PATH = '../native/build/edgesteer_mmsg.node';
const IN_SLOT = 4096;

let cached: { addon: Addon } | { error: string } | undefined;

/** Loads the addon once: the module, or why it is not available. */
export function loadBatchAddon(): { addon: Addon } | { error: string } {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { error: `recvmmsg/sendmmsg are Linux-only (platform ${process.platform})` });
  try {
    cached = { addon: createRequire(import.meta.url)(ADDON_PATH) as Addon };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    cached = { error: e.code === 'MODULE_NOT_FOUND' ? 'the addon is not built (npm run build builds it with g++)' : `the addon does not load: ${e.message.split('\n')[0]}` };
  }
  return cached;
}

export interface BatchedUdpOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  /** Datagrams per recvmmsg/sendmmsg (default 64). */
  batch?: number;
  /** Largest response (the output slot size); the server's maxUdp. */
  maxUdp: number;
  bufferBytes?: number;
  rrl?: ResponseRateLimiter | undefined;
}

/** A bound batched socket: what server.ts needs of a UDP socket. */
export interface BatchedUdpSocket {
  address(): { port: number; address: string };
  close(cb?: () => void): void;
  stats(): { received: number; sent: number; sendErrors: number; batchFailures: number };
}

/** IPv4 source addresses as text, by their 32-bit value (RRL keys on text; most traffic comes from few resolvers). */
const v4Text = new Map<number, string>();

function ipText(a: Uint8Array, off: number, family: number): string {
  if (family === 4) {
    const n = ((a[off]! << 24) | (a[off + 1]! << 16) | (a[off + 2]! << 8) | a[off + 3]!) >>> 0;
    let t = v4Text.get(n);
    if (t === undefined) {
      if (v4Text.size >= 65_536) v4Text.clear();
      t = `${a[off]}.${a[off + 1]}.${a[off + 2]}.${a[off + 3]}`;
      v4Text.set(n, t);
    }
    return t;
  }
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((a[off + i]! << 8) | a[off + i + 1]!).toString(16));
  return parts.join(':');
}

/** Binds a batched UDP socket answering through `engine`. Throws if the addon is unavailable or the bind fails. */
export function listenUdpBatched(engine: DnsEngine, opts: BatchedUdpOptions): BatchedUdpSocket {
  const loaded = loadBatchAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  const batch = opts.batch ?? 64;
  const slot = Math.max(512, opts.maxUdp);
  const sock = new loaded.addon.BatchSocket(opts.host, opts.port, opts.reusePort ?? false, batch, slot, opts.bufferBytes ?? 4 * 1024 * 1024);
  const input = new Uint8Array(sock.in);
  const output = new Uint8Array(sock.out);
  const meta = new Int32Array(sock.meta);
  const addr = new Uint8Array(sock.addr);
  // Per-slot source address views, made once (the plane reads them synchronously and keeps nothing).
  const v4 = Array.from({ length: batch }, (_, i) => addr.subarray(i * 16, i * 16 + 4));
  const v6 = Array.from({ length: batch }, (_, i) => addr.subarray(i * 16, i * 16 + 16));
  let slotOffset = 0;
  const answerOpts: AnswerOptions = engine.udpOptions((size) => output.subarray(slotOffset, slotOffset + size));
  const rrl = opts.rrl;
  let failures = 0;
  sock.start((n) => {
    // An exception here would reach the addon's MakeCallback and end the
    // process: a failing slot is dropped (its answer length stays 0) instead.
    try {
      answerBatch(n);
    } catch {
      failures++;
    }
  });
  const answerBatch = (n: number): void => {
    const now = rrl === undefined ? 0 : Date.now();
    for (let i = 0; i < n; i++) {
      const m = i * 4;
      const len = meta[m]!;
      if (len === 0) continue;
      slotOffset = i * slot;
      const family = meta[m + 1]!;
      const out = engine.answerWith(input.subarray(i * IN_SLOT, i * IN_SLOT + len), family === 4 ? v4[i]! : v6[i]!, answerOpts);
      if (out === null) continue;
      if (rrl === undefined) {
        meta[m + 2] = out.length;
        continue;
      }
      const send = rrl.filter(out, ipText(addr, i * 16, family), now);
      if (send === null) continue;
      if (send !== out) output.set(send, slotOffset);
      meta[m + 2] = send.length;
    }
  };
  return {
    address: () => ({ port: sock.port(), address: opts.host }),
    close: (cb) => {
      sock.close();
      if (cb) process.nextTick(cb);
    },
    stats: () => ({ ...sock.stats(), batchFailures: failures }),
  };
}
