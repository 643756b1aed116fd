/**
 * Which UDP path answers: the batched addon (recvmmsg/sendmmsg, see
 * udp-batched.ts) or node:dgram (udp-listener.ts). Decided once per server
 * (the primary in cluster mode), so "not available" is logged once.
 */
import type { Logger } from 'pino';
import type { DnsEngine } from './engine.js';
import { DnsServerError } from './errors.js';
import type { ResponseRateLimiter } from './rrl.js';
import { listenUdpBatched, loadBatchAddon } from './udp-batched.js';
import { listenUdp } from './udp-listener.js';

/** Asked for: `auto` = batched when the addon loads, else dgram. */
export type UdpMode = 'auto' | 'batched' | 'dgram';
/** What runs. */
export type UdpPath = 'batched' | 'dgram';

/** What server.ts needs of either socket. */
export interface UdpSocketLike {
  address(): unknown;
  close(cb?: () => void): void;
}

/** Resolves the mode to the path that will run; logs once when `auto` falls back. Throws E_DNS_BATCH_UNAVAILABLE for `batched` without the addon. */
export function resolveUdpPath(mode: UdpMode, log: Logger, load: () => { error: string } | { addon: unknown } = loadBatchAddon): UdpPath {
  if (mode === 'dgram') return 'dgram';
  const loaded = load();
  if ('addon' in loaded) return 'batched';
  if (mode === 'batched') throw new DnsServerError('E_DNS_BATCH_UNAVAILABLE', `--udp batched: ${loaded.error}; use --udp dgram or auto`);
  log.warn({ event: 'udp_batched_unavailable', code: 'E_DNS_BATCH_UNAVAILABLE', reason: loaded.error }, `batched UDP unavailable (${loaded.error}); answering through node:dgram`);
  return 'dgram';
}

export interface BindUdpOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  maxUdp: number;
  rrl?: ResponseRateLimiter | undefined;
}

/** Binds UDP on the given path. Resolves once bound. */
export async function bindUdp(path: UdpPath, engine: DnsEngine, log: Logger, o: BindUdpOptions): Promise<UdpSocketLike> {
  if (path === 'dgram') return listenUdp(engine, log, { host: o.host, port: o.port, reusePort: o.reusePort ?? false, rrl: o.rrl });
  return listenUdpBatched(engine, { host: o.host, port: o.port, reusePort: o.reusePort ?? false, maxUdp: o.maxUdp, rrl: o.rrl });
}
