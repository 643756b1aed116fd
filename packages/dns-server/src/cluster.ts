/**
 * Several processes answering on one port. The primary holds the policy and
 * the table (it loads, watches and follows the controller) and sends every
 * new state to the workers, which build their own answer planes. Each worker
 * binds its own UDP and TCP sockets with SO_REUSEPORT, so the kernel spreads
 * clients over them without a hop through the primary.
 *
 * The primary first binds the port itself (SO_REUSEPORT too) to pick it when
 * port 0 is asked for and to hold it while the workers start; it closes its
 * sockets once every worker listens. A worker that dies is restarted.
 */
import cluster, { type Worker } from 'node:cluster';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { WORKER_ENV, type FromWorker, type ToWorker, type WorkerConfig } from './cluster-protocol.js';
import { DnsServerError } from './errors.js';
import { DnsCounters, sumCounts, type DnsMetricsSnapshot } from './metrics.js';
import type { DnsServerOptions } from './options.js';
import { bindBoth, DEFAULTS } from './server.js';
import type { StateKeeper } from './state-keeper.js';
import { addRrlCounts, type RrlCounts, type RrlOptions } from './rrl.js';
import type { UdpPath } from './udp-path.js';

export interface ClusterOptions extends DnsServerOptions {
  host: string;
  maxUdp: number;
  workers: number;
  log: Logger;
  keeper: StateKeeper;
  /** Resolved RRL settings for every worker; undefined = off. */
  rrlSettings?: RrlOptions | undefined;
  udpPath: UdpPath;
}

export interface RunningCluster {
  port: number;
  broadcast: (policy: unknown, table: unknown) => void;
  counts: () => Omit<DnsMetricsSnapshot, 'table' | 'processes'>;
  rrlCounts: () => RrlCounts;
  close: () => Promise<void>;
}

const WORKER_START_TIMEOUT_MS = 15_000;
const RESTART_DELAY_MS = 1000;

function reserveUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reusePort: true });
    s.once('error', reject);
    s.bind({ port, address: host, exclusive: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

function reserveTcp(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    // Not accepting: the reservation's backlog must not take connections, so it never calls accept and is closed before ready.
    s.listen({ port, host, reusePort: true, exclusive: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export async function startCluster(o: ClusterOptions): Promise<RunningCluster> {
  const { log, keeper } = o;
  const reserved = await bindBoth(o.port ?? DEFAULTS.port, (p) => reserveUdp(o.host, p), (p) => reserveTcp(o.host, p));
  const port = reserved.port;
  const exec = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  cluster.setupPrimary({ exec, args: [] });
  const counts = new Map<number, Omit<DnsMetricsSnapshot, 'table' | 'processes'>>();
  const rrlCounts = new Map<number, RrlCounts>();
  const workers = new Map<number, Worker>();
  let closing = false;

  // The primary decides (or follows) once; workers only build answer planes from what it sends.
  // The client map travels only when it changed (it is megabytes); a new or restarted worker always gets it.
  let mapHash = '';
  let mapBase64 = '';
  const stateMessage = (withMap: boolean): ToWorker => {
    const map = keeper.clientMap;
    if (map.hash !== mapHash) {
      mapHash = map.hash;
      mapBase64 = Buffer.from(map.serialize()).toString('base64');
    }
    return { type: 'state', policy: keeper.policy, table: keeper.table, hold: keeper.hold, ...(withMap ? { clientMap: { hash: mapHash, base64: mapBase64 } } : {}) };
  };
  let sentMapHash = keeper.clientMap.hash;

  const spawn = (index: number): Promise<void> => {
    const cfg: WorkerConfig = {
      index,
      host: o.host,
      port,
      maxUdp: o.maxUdp,
      tcpIdleMs: o.tcpIdleMs ?? DEFAULTS.tcpIdleMs,
      maxTcpConnections: o.maxTcpConnections ?? DEFAULTS.maxTcpConnections,
      logLevel: log.level,
      ...(o.nsid ? { nsid: o.nsid } : {}),
      udpPath: o.udpPath,
      ...(o.rrlSettings ? { rrl: o.rrlSettings } : {}),
    };
    const w = cluster.fork({ [WORKER_ENV]: JSON.stringify(cfg) });
    workers.set(index, w);
    return new Promise<void>((resolve, reject) => {
      let listening = false;
      const timer = setTimeout(() => reject(new DnsServerError('E_DNS_WORKER_START', `DNS worker ${index} did not start listening within ${WORKER_START_TIMEOUT_MS} ms`)), WORKER_START_TIMEOUT_MS);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'listening') {
          listening = true;
          clearTimeout(timer);
          resolve();
        } else if (m.type === 'metrics') {
          counts.set(index, m.counts);
          if (m.rrl) rrlCounts.set(index, m.rrl);
        } else if (m.type === 'error') {
          log.error({ event: 'worker_failed', code: m.code, worker: index }, m.message);
          if (!listening) {
            clearTimeout(timer);
            reject(new DnsServerError(m.code, m.message));
          }
        }
      });
      w.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (workers.get(index) === w) workers.delete(index);
        if (closing) return;
        log.error({ event: 'worker_exited', code: 'E_DNS_WORKER_EXIT', worker: index, exitCode: code, signal }, 'DNS worker exited; restarting it');
        if (!listening) reject(new DnsServerError('E_DNS_WORKER_START', `DNS worker ${index} exited during start (code ${code}, signal ${signal})`));
        setTimeout(() => {
          if (!closing) spawn(index).catch((err: unknown) => log.error({ event: 'worker_restart_failed', err, worker: index }, 'DNS worker restart failed'));
        }, RESTART_DELAY_MS).unref();
      });
      w.send(stateMessage(true));
    });
  };

  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      [...workers.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), 3000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            try {
              w.send({ type: 'close' } satisfies ToWorker);
            } catch {
              w.process.kill('SIGTERM');
            }
          }),
      ),
    );
    workers.clear();
  };

  try {
    await Promise.all(Array.from({ length: o.workers }, (_, i) => spawn(i)));
  } catch (err) {
    await close();
    throw err;
  } finally {
    reserved.udp.close();
    reserved.tcp.close();
  }

  return {
    port,
    broadcast: () => {
      const msg = stateMessage(keeper.clientMap.hash !== sentMapHash);
      sentMapHash = keeper.clientMap.hash;
      for (const w of workers.values()) if (w.isConnected()) w.send(msg);
    },
    counts: () => (counts.size === 0 ? new DnsCounters().counts() : sumCounts([...counts.values()])),
    rrlCounts: () => [...rrlCounts.values()].reduce<RrlCounts>((acc, c) => addRrlCounts(acc, c), { dropped: 0, slipped: 0 }),
    close,
  };
}
