/**
 * startDnsServer: the authoritative server in this process (UDP + TCP on one
 * port), or a cluster of worker processes on one port when workers > 1.
 */
import type { Logger } from 'pino';
import { startCluster } from './cluster.js';
import { DnsEngine } from './engine.js';
import { defaultLogger } from './logger.js';
import type { DnsCounters, DnsMetricsSnapshot } from './metrics.js';
import type { DnsServer, DnsServerOptions } from './options.js';
import { StateKeeper } from './state-keeper.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { bindUdp, resolveUdpPath, type UdpSocketLike } from './udp-path.js';
import { ResponseRateLimiter, rrlSettings } from './rrl.js';
import { DnsReportIntake } from './report-intake.js';

/** The report intake, when this server decides for itself and has probe keys. */
function makeIntake(keeper: StateKeeper, opts: DnsServerOptions, log: Logger): DnsReportIntake | undefined {
  if (!keeper.decider) return undefined;
  const keys = opts.keys ?? new Map();
  if (keys.size === 0) {
    log.warn({ event: 'no_probe_keys', code: 'E_DNS_NO_KEYS' }, 'no probe keys: POST /v1/observations refuses every report, so this server cannot follow failovers on its own; pass --key-file (or EDGESTEER_PROBE_KEYS), or --controller');
  }
  return new DnsReportIntake({
    decider: keeper.decider,
    keys,
    clock: opts.now ?? Date.now,
    log,
    ...(opts.signatureWindowMs === undefined ? {} : { windowMs: opts.signatureWindowMs }),
    ...(opts.maxReportBytes === undefined ? {} : { maxBodyBytes: opts.maxReportBytes }),
  });
}

export const DEFAULTS = { host: '127.0.0.1', port: 5353, maxUdp: 1232, tcpIdleMs: 10_000, maxTcpConnections: 1000 } as const;

/** Plane health part of a metrics snapshot (the /healthz contract). */
export function planeMetrics(keeper: StateKeeper, intake: DnsReportIntake | undefined): NonNullable<DnsMetricsSnapshot['plane']> {
  const d = keeper.decider;
  const epoch = d?.epoch ?? keeper.epoch;
  return {
    status: keeper.status(),
    policyHash: keeper.table.policyHash,
    clientMapHash: keeper.clientMap.hash,
    lastObservationAt: keeper.lastObservationAt(),
    hold: keeper.hold,
    ...(d ? { freshRegions: d.sync.freshRegions, quorumNeeded: d.sync.needed } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    ...(intake ? { reports: { accepted: intake.accepted, rejected: { ...intake.rejected }, lastReportAt: intake.lastReportAt } } : {}),
    ...(keeper.source === 'controller' ? { refusedOlder: keeper.refusedOlder } : {}),
  };
}

/** Client map part of a metrics snapshot. */
export function clientMapMetrics(keeper: StateKeeper): NonNullable<DnsMetricsSnapshot['clientMap']> {
  const m = keeper.clientMap;
  return { hash: m.hash, source: m.source, v4Ranges: m.stats.v4Ranges, v6Ranges: m.stats.v6Ranges, bytes: m.stats.bytes };
}

/** Table part of a metrics snapshot. */
export function tableMetrics(keeper: StateKeeper, now = Date.now()): DnsMetricsSnapshot['table'] {
  const f = keeper.followerState;
  const t = keeper.table;
  const out: DnsMetricsSnapshot['table'] = {
    version: t.version,
    hash: t.hash,
    generatedAt: t.generatedAt,
    ageMs: now - t.generatedAt,
    source: keeper.source,
    stale: f?.stale ?? false,
  };
  if (f) out.lastSyncAt = f.lastSyncAt;
  return out;
}

function isAddrInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Binds UDP then TCP on the same port. With port 0 the kernel picks the UDP
 * port and TCP may find it taken: then both are retried on a new port.
 */
export async function bindBoth<U extends { close(): void; address(): unknown }, T>(
  port: number,
  udp: (port: number) => Promise<U>,
  tcp: (port: number) => Promise<T>,
): Promise<{ udp: U; tcp: T; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const u = await udp(port);
    const bound = (u.address() as { port: number }).port;
    try {
      const t = await tcp(bound);
      return { udp: u, tcp: t, port: bound };
    } catch (err) {
      u.close();
      if (port !== 0 || !isAddrInUse(err) || attempt >= 10) throw err;
    }
  }
}

/** Starts the authoritative DNS server. Rejects with DnsServerError (E_POLICY_INVALID, ...) or a bind error. */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const log: Logger = opts.logger ?? defaultLogger();
  const host = opts.host ?? DEFAULTS.host;
  const maxUdp = opts.maxUdp ?? DEFAULTS.maxUdp;
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  // Validated before anything binds: a bad --rrl-exempt must not leave a half-started server.
  const rrl = rrlSettings(opts.rrl);
  const udpPath = resolveUdpPath(opts.udp ?? 'auto', log);
  let engine: DnsEngine | undefined;
  let broadcast: ((policy: unknown, table: unknown) => void) | undefined;
  const keeper = await StateKeeper.create({
    ...opts,
    maxUdp,
    log,
    onPlane: (plane, policy, table) => {
      engine?.setPlane(plane);
      broadcast?.(policy, table);
    },
  });
  const intake = makeIntake(keeper, opts, log);

  if (workers > 1) {
    const cluster = await startCluster({ ...opts, host, maxUdp, workers, log, keeper, rrlSettings: rrl, udpPath });
    broadcast = cluster.broadcast;
    keeper.start();
    log.info({ event: 'dns_ready', listen: `${host}:${cluster.port}`, host, port: cluster.port, workers, udp: udpPath, tableVersion: keeper.table.version, source: keeper.source }, 'dns server ready');
    return {
      address: host,
      port: cluster.port,
      workers,
      get table() {
        return keeper.table;
      },
      setTable: (t) => void keeper.setTable(t),
      setPolicy: (p) => keeper.setPolicy(p),
      reload: () => keeper.reload('api'),
      metrics: () => ({ ...cluster.counts(), table: tableMetrics(keeper), plane: planeMetrics(keeper, intake), clientMap: clientMapMetrics(keeper), processes: workers, udpPath, ...(rrl ? { rrl: cluster.rrlCounts() } : {}) }),
      rrlCounts: () => cluster.rrlCounts(),
      intake,
      get hold() {
        return keeper.hold;
      },
      close: async () => {
        keeper.stop();
        await keeper.flush();
        await cluster.close();
        log.info({ event: 'dns_stopped', listen: `${host}:${cluster.port}` }, 'dns server stopped');
      },
    };
  }

  const eng = new DnsEngine(keeper.plane, log, maxUdp, opts.nsid);
  // Answers from a table the controller has not refreshed within the stale bound carry EDE 3 (RFC 8914).
  const staleCheck = setInterval(() => eng.setStale(keeper.followerState?.stale ?? false), 1000);
  staleCheck.unref();
  const limiter = rrl ? new ResponseRateLimiter(rrl) : undefined;
  engine = eng;
  const idleMs = opts.tcpIdleMs ?? DEFAULTS.tcpIdleMs;
  const maxConnections = opts.maxTcpConnections ?? DEFAULTS.maxTcpConnections;
  const bound = await bindBoth<UdpSocketLike, TcpListener>(
    opts.port ?? DEFAULTS.port,
    (port) => bindUdp(udpPath, eng, log, { host, port, maxUdp, rrl: limiter }),
    (port) =>
      listenTcp(eng, log, {
        host,
        port,
        idleMs,
        maxConnections,
        ...(opts.maxTcpPerSource === undefined ? {} : { maxPerSource: opts.maxTcpPerSource }),
        ...(opts.tcpMessageTimeoutMs === undefined ? {} : { messageTimeoutMs: opts.tcpMessageTimeoutMs }),
      }),
  );
  keeper.start();
  log.info({ event: 'dns_ready', listen: `${host}:${bound.port}`, host, port: bound.port, workers: 1, udp: udpPath, tableVersion: keeper.table.version, source: keeper.source }, 'dns server ready');
  const counters: DnsCounters = eng.counters;
  return {
    address: host,
    port: bound.port,
    workers: 1,
    get table() {
      return keeper.table;
    },
    setTable: (t) => void keeper.setTable(t),
    setPolicy: (p) => keeper.setPolicy(p),
    reload: () => keeper.reload('api'),
    metrics: () => ({ ...counters.counts(), table: tableMetrics(keeper), plane: planeMetrics(keeper, intake), clientMap: clientMapMetrics(keeper), processes: 1, udpPath, ...(limiter ? { rrl: { ...limiter.counts } } : {}) }),
    rrlCounts: () => ({ dropped: limiter?.counts.dropped ?? 0, slipped: limiter?.counts.slipped ?? 0 }),
    intake,
    get hold() {
      return keeper.hold;
    },
    close: async () => {
      clearInterval(staleCheck);
      keeper.stop();
      await keeper.flush();
      await new Promise<void>((resolve) => bound.udp.close(() => resolve()));
      await bound.tcp.close();
      log.info({ event: 'dns_stopped', listen: `${host}:${bound.port}` }, 'dns server stopped');
    },
  };
}
