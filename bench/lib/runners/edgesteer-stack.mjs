/**
 * edgesteer with health checks, for the failover trials: a controller, one
 * probe per region reporting to it (signed), and the DNS server following
 * the controller's table. Everything on loopback, in the bench's temp dir.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, tailLog } from '../procs.mjs';
import { waitForDns, waitForHttp } from '../ready.mjs';
import { freePort } from '../ports.mjs';
import { writeBenchPolicy, describeEdgesteerSetting, EDGESTEER_SETTINGS, CONTROLLER_TICK_MS } from '../policy.mjs';
import { CLI, NODE, ROOT, cliSupports } from '../cli.mjs';
import { REGIONS } from '../scenario.mjs';

const probeId = (region) => `probe-${region}`;

/**
 * Until every region has reported on every edge, the table still holds the
 * assume-up guesses and may change on its own; trials start after that.
 */
async function waitForAllLinks(controllerUrl, procs, timeoutMs, probes = REGIONS.length) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = procs.find((p) => p.exited);
    if (dead) throw new Error(`E_BENCH_START: ${dead.name} exited (${JSON.stringify(dead.exited)}):\n${tailLog(dead.logFile)}`);
    try {
      const body = await (await fetch(`${controllerUrl}/v1/edges`, { signal: AbortSignal.timeout(1000) })).json();
      const links = (body.edges ?? []).flatMap((e) => Object.values(e.regions ?? {}));
      const ready = links.filter((l) => l && l.fresh && l.up && l.samples >= 3).length;
      last = `${ready}/${probes * REGIONS.length} links measured`;
      if (ready >= probes * REGIONS.length) return;
    } catch (err) { last = String(err); }
    await sleep(100);
  }
  throw new Error(`E_BENCH_START: the controller did not get reports from every region on every edge within ${timeoutMs} ms (${last})`);
}

export const edgesteerStack = {
  id: 'edgesteer',
  label: 'edgesteer (controller + probes + dns --controller)',
  steers: true,
  settings: ['default', 'fastest', 'equal'],
  describeSetting: describeEdgesteerSetting,
  async available() {
    for (const [cmd, flags] of [['controller', ['--policy', '--listen', '--key-file']], ['probe', ['--policy', '--region', '--report-to', '--probe-id']], ['dns', ['--policy', '--listen', '--controller']]]) {
      const r = cliSupports(cmd, flags);
      if (!r.ok) return r;
    }
    return { ok: true };
  },
  /** @param {{ dir: string, edgePort: number, threads: number, setting?: 'default'|'fastest' }} ctx */
  async start(ctx) {
    const setting = ctx.setting ?? 'default';
    const dir = join(ctx.dir, `edgesteer-stack-${setting}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const policy = writeBenchPolicy(join(dir, 'policy.yaml'), { edgePort: ctx.edgePort, setting });
    const keys = Object.fromEntries(REGIONS.map((r) => [probeId(r.id), randomBytes(24).toString('hex')]));
    const keyFile = join(dir, 'probe-keys');
    writeFileSync(keyFile, REGIONS.map((r) => `${probeId(r.id)} ${r.id} ${keys[probeId(r.id)]}`).join('\n') + '\n', { mode: 0o600 });
    const env = { ...process.env, EDGESTEER_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' };
    const procs = [];
    const stop = async () => { for (const p of procs.reverse()) await p.stop(5000); };
    try {
      const cport = await freePort();
      const controllerUrl = `http://127.0.0.1:${cport}`;
      procs.push(startProcess('edgesteer controller', NODE, [CLI, 'controller', '--policy', policy, '--listen', `127.0.0.1:${cport}`, '--key-file', keyFile, '--no-state', '--tick-ms', String(CONTROLLER_TICK_MS)], { cwd: ROOT, env, logFile: join(dir, 'controller.log') }));
      await waitForHttp(`${controllerUrl}/healthz`, procs[0]);
      const dport = await freePort();
      const dns = startProcess('edgesteer dns', NODE, [CLI, 'dns', '--policy', policy, '--listen', `127.0.0.1:${dport}`, '--controller', controllerUrl, '--log-level', 'warn'], { cwd: ROOT, env, logFile: join(dir, 'dns.log') });
      procs.push(dns);
      const probes = EDGESTEER_SETTINGS[setting].probes ?? REGIONS.length;
      // The `equal` setting has one vantage point: the first region's probe only.
      for (const r of REGIONS.slice(0, probes)) {
        procs.push(startProcess(`edgesteer probe ${r.id}`, NODE, [CLI, 'probe', '--policy', policy, '--region', r.id, '--probe-id', probeId(r.id), '--report-to', `${controllerUrl}/v1/observations`, '--log-level', 'warn'], {
          cwd: ROOT, env: { ...env, EDGESTEER_PROBE_KEY: keys[probeId(r.id)] }, logFile: join(dir, `probe-${r.id}.log`),
        }));
      }
      await waitForDns(dport, dns, 30_000);
      await waitForAllLinks(controllerUrl, procs, 30_000, probes);
      return {
        port: dport,
        pgids: procs.map((p) => p.pid),
        procs,
        stop,
        /** The controller's own verdict for an edge (GET /v1/edges). */
        async edgeUp(edgeId) {
          const res = await fetch(`${controllerUrl}/v1/edges`, { signal: AbortSignal.timeout(500) });
          const body = await res.json();
          const e = (body.edges ?? []).find((x) => x.id === edgeId);
          return e?.verdict === 'up';
        },
      };
    } catch (err) {
      await stop();
      throw err;
    }
  },
};
