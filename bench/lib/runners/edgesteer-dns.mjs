/**
 * edgesteer's authoritative server on its own (`edgesteer dns --policy FILE
 * --listen 127.0.0.1:PORT --workers N`), table computed locally from the
 * policy (assume-up): the query fast path that throughput measures. The
 * failover runs use the full stack (edgesteer-stack.mjs) instead.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from '../procs.mjs';
import { waitForDns } from '../ready.mjs';
import { freePort } from '../ports.mjs';
import { writeBenchPolicy } from '../policy.mjs';
import { CLI, NODE, ROOT, cliSupports } from '../cli.mjs';

export const edgesteerDns = {
  id: 'edgesteer',
  label: 'edgesteer dns (Node 24)',
  steers: true,
  settings: [],
  async available() { return cliSupports('dns', ['--policy', '--listen', '--workers']); },
  /** @param {{ dir: string, edgePort: number, threads: number, cpuProfileDir?: string }} ctx */
  async start(ctx) {
    const dir = join(ctx.dir, `edgesteer-dns-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const policy = writeBenchPolicy(join(dir, 'policy.yaml'), { edgePort: ctx.edgePort, setting: 'default' });
    // NODE_OPTIONS reaches the forked workers too; profiles are written on a clean exit.
    const profEnv = ctx.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${ctx.cpuProfileDir}` } : {};
    const proc = startProcess('edgesteer dns', NODE, [CLI, 'dns', '--policy', policy, '--listen', `127.0.0.1:${port}`, '--workers', String(ctx.threads), '--log-level', 'warn'], {
      cwd: ROOT,
      logFile: join(dir, 'dns.log'),
      env: { ...process.env, ...profEnv, LOG_LEVEL: 'warn', EDGESTEER_LOG_LEVEL: 'warn' },
    });
    await waitForDns(port, proc, 30_000);
    return { port, procs: [proc], pgids: [proc.pid], dir, stop: () => proc.stop(5000) };
  },
};
