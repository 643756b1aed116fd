/**
 * edgesteer's authoritative server on its own (`edgesteer dns --policy FILE
 * --listen 127.0.0.1:PORT --workers N --udp PATH`), table computed locally
 * from the policy (assume-up): the query fast path that throughput measures.
 * Two runners, one per UDP path: `edgesteer` (batched: the recvmmsg/sendmmsg
 * addon) and `edgesteer-dgram` (node:dgram). The failover runs use the full
 * stack (edgesteer-stack.mjs) instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from '../procs.mjs';
import { waitForDns } from '../ready.mjs';
import { freePort } from '../ports.mjs';
import { writeBenchPolicy } from '../policy.mjs';
import { CLI, NODE, ROOT, cliSupports } from '../cli.mjs';

/** Where `npm run build` puts the addon (scripts/build-native.mjs). */
export const ADDON = join(ROOT, 'packages/dns-server/native/build/edgesteer_mmsg.node');

/** The exact command line a runner starts (also shown in the report). */
export function dnsArgs({ policy, port, threads, udp }) {
  return ['dns', '--policy', policy, '--listen', `127.0.0.1:${port}`, '--workers', String(threads), '--udp', udp, '--log-level', 'warn'];
}

function runner(udp) {
  return {
    id: udp === 'batched' ? 'edgesteer' : 'edgesteer-dgram',
    label: udp === 'batched' ? 'edgesteer dns --udp batched (Node 24, recvmmsg/sendmmsg addon)' : 'edgesteer dns --udp dgram (Node 24, node:dgram)',
    udp,
    steers: true,
    settings: [],
    async available() {
      const cli = cliSupports('dns', ['--policy', '--listen', '--workers', '--udp']);
      if (!cli.ok || udp !== 'batched') return cli;
      return existsSync(ADDON) ? { ok: true } : { ok: false, reason: `the batched UDP addon is not built (${ADDON}): run npm run build` };
    },
    /** @param {{ dir: string, edgePort: number, threads: number, cpuProfileDir?: string }} ctx */
    async start(ctx) {
      const dir = join(ctx.dir, `edgesteer-dns-${udp}-${Date.now()}`);
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const policy = writeBenchPolicy(join(dir, 'policy.yaml'), { edgePort: ctx.edgePort, setting: 'default' });
      // NODE_OPTIONS reaches the forked workers too; profiles are written on a clean exit.
      const profEnv = ctx.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${ctx.cpuProfileDir}` } : {};
      const args = dnsArgs({ policy, port, threads: ctx.threads, udp });
      const proc = startProcess('edgesteer dns', NODE, [CLI, ...args], {
        cwd: ROOT,
        logFile: join(dir, 'dns.log'),
        env: { ...process.env, ...profEnv, LOG_LEVEL: 'warn', EDGESTEER_LOG_LEVEL: 'warn' },
      });
      await waitForDns(port, proc, 30_000);
      return { port, procs: [proc], pgids: [proc.pid], dir, command: `edgesteer ${args.join(' ').replace(policy, 'policy.yaml').replace(`127.0.0.1:${port}`, '127.0.0.1:PORT')}`, stop: () => proc.stop(5000) };
    },
  };
}

export const edgesteerDns = runner('batched');
export const edgesteerDnsDgram = runner('dgram');
