/**
 * Knot DNS 3.2 with a static cdn.example.com record: no steering and no
 * health checks. The baseline cost of a plain authoritative answer from a
 * mature C server, not a competitor.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startProcess } from '../procs.mjs';
import { renderPeerFile, render, PEERS_DIR } from '../template.mjs';
import { waitForDns } from '../ready.mjs';
import { REGIONS, SERVICE_TTL } from '../scenario.mjs';
import { freePort } from '../ports.mjs';

const BIN = '/usr/sbin/knotd';

export const knot = {
  id: 'knot',
  label: 'Knot DNS 3.2 (static record, no steering)',
  steers: false,
  settings: [],
  describeConfig: (threads) => `knotd -c knot.conf; udp-workers ${threads}, tcp-workers 1, background-workers 1, zone from a file, no journal (bench/peers/knot/knot.conf)`,
  async available() {
    return existsSync(BIN) ? { ok: true } : { ok: false, reason: `${BIN} not found: run scripts/install-bench-peers.sh` };
  },
  /** @param {{ dir: string, edgePort: number, threads: number }} ctx */
  async start(ctx) {
    const dir = join(ctx.dir, 'knot');
    mkdirSync(join(dir, 'db'), { recursive: true });
    const port = await freePort();
    renderPeerFile('knot/knot.conf', join(dir, 'knot.conf'), { DIR: dir, PORT: port, THREADS: ctx.threads });
    const zone = render(readFileSync(PEERS_DIR + 'example.com.zone', 'utf8'), {
      CDN_RECORDS: `cdn ${SERVICE_TTL} IN A ${REGIONS[0].address}`,
    });
    writeFileSync(join(dir, 'example.com.zone'), zone);
    const proc = startProcess('knotd', BIN, ['-c', join(dir, 'knot.conf')], { logFile: join(dir, 'knotd.log') });
    await waitForDns(port, proc);
    return { port, procs: [proc], pgids: [proc.pid], stop: () => proc.stop() };
  },
};
