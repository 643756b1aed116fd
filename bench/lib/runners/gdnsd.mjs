/**
 * gdnsd 3.8 with the geoip plugin (nets-only map) and http_status checks:
 * the closest peer to what edgesteer does, from a single vantage point.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from '../procs.mjs';
import { renderPeerFile } from '../template.mjs';
import { waitForDns } from '../ready.mjs';
import { REGIONS, SERVICE_TTL, HEALTH_PATH, staticOrder } from '../scenario.mjs';
import { freePort } from '../ports.mjs';

const BIN = '/usr/sbin/gdnsd';

/** Check timing per setting, in gdnsd's terms (whole seconds). */
export const GDNSD_SETTINGS = {
  default: { INTERVAL: 10, TIMEOUT: 5, UP_THRESH: 20, OK_THRESH: 10, DOWN_THRESH: 10 },
  fastest: { INTERVAL: 2, TIMEOUT: 1, UP_THRESH: 1, OK_THRESH: 1, DOWN_THRESH: 1 },
  // The shared `equal` setting asks for a 1 s interval; gdnsd's minimum is 2 s.
  equal: { INTERVAL: 2, TIMEOUT: 1, UP_THRESH: 1, OK_THRESH: 1, DOWN_THRESH: 1 },
};

export const gdnsd = {
  id: 'gdnsd',
  label: 'gdnsd 3.8 (geoip nets + http_status)',
  steers: true,
  settings: ['default', 'fastest', 'equal'],
  describeConfig: (threads) => `gdnsd -c DIR start; listen 127.0.0.1:PORT with udp_threads ${threads} (SO_REUSEPORT), udp_recv_width 32 (recvmmsg batch), tcp_threads 1, edns_client_subnet on; geoip plugin, nets-only map, http_status monitors (bench/peers/gdnsd/config)`,
  describeSetting(s) {
    const t = GDNSD_SETTINGS[s];
    return `interval ${t.INTERVAL}s${s === 'equal' ? ' (1 s asked; gdnsd accepts no less than 2 s)' : ''}, timeout ${t.TIMEOUT}s, down_thresh ${t.DOWN_THRESH}, up_thresh ${t.UP_THRESH}, ok_thresh ${t.OK_THRESH}, one vantage point`;
  },
  async available() {
    return existsSync(BIN) ? { ok: true } : { ok: false, reason: `${BIN} not found: run scripts/install-bench-peers.sh` };
  },
  /** @param {{ dir: string, edgePort: number, threads: number, setting?: 'default'|'fastest' }} ctx */
  async start(ctx) {
    const dir = join(ctx.dir, `gdnsd-${ctx.setting ?? 'default'}-${Date.now()}`);
    mkdirSync(join(dir, 'zones'), { recursive: true });
    const port = await freePort();
    const nets = REGIONS.map((r) => `          ${r.cidr} => [ ${staticOrder(r.id).map((o) => o.id).join(', ')} ]`).join('\n');
    const dcmap = REGIONS.map((r) => `          ${r.id} => ${r.address}`).join('\n');
    renderPeerFile('gdnsd/config', join(dir, 'config'), {
      DIR: dir, PORT: port, THREADS: ctx.threads, EDGE_PORT: ctx.edgePort, HEALTH_PATH,
      DATACENTERS: REGIONS.map((r) => r.id).join(', '), NETS: nets, DCMAP: dcmap,
      ...GDNSD_SETTINGS[ctx.setting ?? 'default'],
    });
    renderPeerFile('gdnsd/example.com', join(dir, 'zones', 'example.com'), { SERVICE_TTL });
    const proc = startProcess('gdnsd', BIN, ['-c', dir, 'start'], { logFile: join(dir, 'gdnsd.log') });
    await waitForDns(port, proc);
    return { port, procs: [proc], pgids: [proc.pid], stop: () => proc.stop() };
  },
};
