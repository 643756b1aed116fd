/**
 * Entry point of a DNS worker process (cluster mode). Waits for the state
 * (policy + table) from the primary, builds its answer plane, binds UDP and
 * TCP with SO_REUSEPORT, and reports counters every second.
 */
import { ClientMap } from '@edgesteer/core';
import { WORKER_ENV, type FromWorker, type ToWorker, type WorkerConfig } from './cluster-protocol.js';
import { DnsEngine } from './engine.js';
import { buildPlane } from './plane.js';
import { defaultLogger } from './logger.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { bindUdp, type UdpSocketLike } from './udp-path.js';
import { ResponseRateLimiter } from './rrl.js';

const cfg = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerConfig | null;
if (!cfg || !process.send) {
  process.stderr.write('edgesteer: E_DNS_WORKER: worker-main.js runs only as a DNS worker process started by startDnsServer({ workers })\n');
  process.exit(2);
}
const log = defaultLogger(cfg.logLevel, { worker: cfg.index });
const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};
let engine: DnsEngine | undefined;
let udp: UdpSocketLike | undefined;
let tcp: TcpListener | undefined;
let clientMap: ClientMap | undefined;

// The primary decides when workers stop and reloads for them: a Ctrl-C or a
// SIGHUP sent to the whole process group must not take the workers down.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('disconnect', () => process.exit(0));

async function onMessage(m: ToWorker): Promise<void> {
  if (m.type === 'close') {
    udp?.close();
    await tcp?.close();
    process.exit(0);
  }
  if (m.type !== 'state') return;
  let plane;
  try {
    // The primary's own bytes and hash: no need to hash megabytes again in every worker.
    if (m.clientMap && m.clientMap.hash !== clientMap?.hash) clientMap = ClientMap.deserialize(Buffer.from(m.clientMap.base64, 'base64'), m.clientMap.hash);
    plane = buildPlane(m.policy, m.table, { maxUdp: cfg!.maxUdp, holdSteered: m.hold, matcher: clientMap });
  } catch (err) {
    log.error({ event: 'table_rejected', err, code: 'E_DNS_TABLE_REJECTED', tableVersion: m.table.version }, 'cannot build answers; keeping the current ones');
    return;
  }
  if (engine) {
    engine.setPlane(plane);
    return;
  }
  const eng = new DnsEngine(plane, log, cfg!.maxUdp, cfg!.nsid);
  engine = eng;
  const limiter = cfg!.rrl ? new ResponseRateLimiter(cfg!.rrl) : undefined;
  try {
    udp = await bindUdp(cfg!.udpPath, eng, log, { host: cfg!.host, port: cfg!.port, reusePort: true, maxUdp: cfg!.maxUdp, rrl: limiter });
    tcp = await listenTcp(eng, log, { host: cfg!.host, port: cfg!.port, reusePort: true, idleMs: cfg!.tcpIdleMs, maxConnections: cfg!.maxTcpConnections });
  } catch (err) {
    send({ type: 'error', index: cfg!.index, code: 'E_DNS_BIND', message: `worker ${cfg!.index} cannot bind ${cfg!.host}:${cfg!.port}: ${(err as Error).message}` });
    process.exit(1);
  }
  log.info({ event: 'worker_listening', listen: `${cfg!.host}:${cfg!.port}`, udp: cfg!.udpPath, tableVersion: m.table.version }, 'dns worker listening');
  send({ type: 'listening', index: cfg!.index });
  setInterval(() => send({ type: 'metrics', index: cfg!.index, counts: eng.counters.counts(), ...(limiter ? { rrl: { ...limiter.counts } } : {}) }), 1000).unref();
}

process.on('message', (m: ToWorker) => {
  void onMessage(m);
});
