/**
 * PowerDNS Authoritative 4.7 with a LUA record: netmask() picks the client's
 * region from ECS (or the source), ifurlup() returns the first healthy edge
 * of that region's preference list, checked over HTTP.
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from '../procs.mjs';
import { renderPeerFile, render, PEERS_DIR } from '../template.mjs';
import { waitForDns } from '../ready.mjs';
import { REGIONS, SERVICE_TTL, SERVICE_NAME, HEALTH_PATH, staticOrder, DEFAULT_REGION } from '../scenario.mjs';
import { freePort } from '../ports.mjs';
import { createDnsClient } from '../dns-client.mjs';

const BIN = '/usr/sbin/pdns_server';

/** lua-health-checks-interval (s) and ifurlup's timeout (s) per setting. */
export const PDNS_SETTINGS = {
  default: { INTERVAL: 5, TIMEOUT: 2 },
  fastest: { INTERVAL: 1, TIMEOUT: 1 },
  equal: { INTERVAL: 1, TIMEOUT: 1 },
};

/** The LUA record body: per-region netmask test, then ifurlup over the region's order. */
export function luaRecord(edgePort, timeoutS) {
  const url = `http://${SERVICE_NAME}:${edgePort}${HEALTH_PATH}`;
  const pick = (regionId) => {
    const sets = staticOrder(regionId).map((r) => `{'${r.address}'}`).join(',');
    return `return ifurlup('${url}',{${sets}},{timeout=${timeoutS}})`;
  };
  const branches = REGIONS.map((r, i) => `${i === 0 ? 'if' : 'elseif'} netmask({'${r.cidr}'}) then ${pick(r.id)}`);
  return `;${branches.join(' ')} else ${pick(DEFAULT_REGION)} end`;
}

export const pdns = {
  id: 'pdns',
  label: 'PowerDNS 4.7 (LUA ifurlup + netmask)',
  steers: true,
  settings: ['default', 'fastest', 'equal'],
  describeConfig: (threads) => `pdns_server --config-dir=DIR; bind backend, receiver-threads ${threads} with reuseport, distributor-threads 3 (default), packet cache defaults, enable-lua-records=shared, edns-subnet-processing=yes (bench/peers/pdns/pdns.conf)`,
  describeSetting(s) {
    const t = PDNS_SETTINGS[s];
    return `lua-health-checks-interval ${t.INTERVAL}s, ifurlup timeout ${t.TIMEOUT}s, one failed check = down, one vantage point`;
  },
  async available() {
    return existsSync(BIN) ? { ok: true } : { ok: false, reason: `${BIN} not found: run scripts/install-bench-peers.sh` };
  },
  /** @param {{ dir: string, edgePort: number, threads: number, setting?: 'default'|'fastest' }} ctx */
  async start(ctx) {
    const setting = PDNS_SETTINGS[ctx.setting ?? 'default'];
    const dir = join(ctx.dir, `pdns-${ctx.setting ?? 'default'}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    renderPeerFile('pdns/pdns.conf', join(dir, 'pdns.conf'), { DIR: dir, PORT: port, THREADS: ctx.threads, INTERVAL: setting.INTERVAL });
    renderPeerFile('pdns/named.conf', join(dir, 'named.conf'), { DIR: dir });
    const zone = render(readFileSync(PEERS_DIR + 'example.com.zone', 'utf8'), {
      CDN_RECORDS: `cdn ${SERVICE_TTL} IN LUA A "${luaRecord(ctx.edgePort, setting.TIMEOUT)}"`,
    });
    writeFileSync(join(dir, 'example.com.zone'), zone);
    const proc = startProcess('pdns_server', BIN, [`--config-dir=${dir}`], { logFile: join(dir, 'pdns.log') });
    await waitForDns(port, proc);
    await warmUp(port, setting.INTERVAL * 1000 * 3 + 3000);
    return { port, procs: [proc], pgids: [proc.pid], stop: () => proc.stop() };
  },
};

/**
 * ifurlup() treats every address as down until its first check has run, so
 * wait until each region gets its own edge before measuring anything.
 */
async function warmUp(port, timeoutMs) {
  const client = createDnsClient('127.0.0.1', port);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      let good = 0;
      for (const r of REGIONS) {
        const res = await client.query({ name: SERVICE_NAME, subnet: r.ecs });
        if (res.addresses.length === 1 && res.addresses[0] === r.address) good++;
      }
      if (good === REGIONS.length) return;
      await sleep(200);
    }
  } finally { client.close(); }
  throw new Error(`E_BENCH_START: PowerDNS did not settle on one healthy edge per region within ${timeoutMs} ms`);
}
