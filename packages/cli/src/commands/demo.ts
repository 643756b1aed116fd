import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { DEFAULT_PORTS } from '../run/stack.js';

interface DemoFlags {
  control: string;
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new CliError('E_DEMO_UNREACHABLE', `cannot reach the demo control at ${url} (${(err as Error).message}); is \`edgesteer run\` running?`);
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new CliError('E_DEMO', body.message ?? `HTTP ${res.status}`);
  return body;
}

/** Registers `edgesteer demo`: controls the demo edges of a running `edgesteer run`. */
export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('Control the demo edges of a running `edgesteer run`.');
  demo
    .command('edges')
    .description('List the demo edges and their state.')
    .option('--control <url>', 'demo control URL', `http://${DEFAULT_PORTS.control}`)
    .action(async (flags: DemoFlags) => {
      const body = (await call(`${flags.control}/demo/edges`)) as { edges: Array<{ id: string; region: string; address: string; port: number; state: string; extraMs: number }> };
      for (const e of body.edges) process.stdout.write(`${e.id.padEnd(10)} ${e.region.padEnd(10)} ${`${e.address}:${e.port}`.padEnd(22)} ${e.state}${e.extraMs ? ` +${e.extraMs}ms` : ''}\n`);
    });
  demo
    .command('edge')
    .description('Take a demo edge down, bring it up, or slow it by MS milliseconds.')
    .argument('<edge>', 'edge id, e.g. euw1')
    .argument('<action>', 'down | up | slow')
    .argument('[ms]', 'extra response delay for slow')
    .option('--control <url>', 'demo control URL', `http://${DEFAULT_PORTS.control}`)
    .action(async (edge: string, action: string, ms: string | undefined, flags: DemoFlags) => {
      if (action !== 'down' && action !== 'up' && action !== 'slow') throw new CliError('E_USAGE', `action must be down, up or slow, got "${action}"`, 2);
      const delay = ms === undefined ? undefined : Number(ms);
      if (action === 'slow' && (delay === undefined || !Number.isFinite(delay) || delay < 0)) throw new CliError('E_USAGE', 'slow needs a delay in ms, e.g. `edgesteer demo edge euw1 slow 150`', 2);
      const body = (await call(`${flags.control}/demo/edges/${encodeURIComponent(edge)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action, ms: delay }),
      })) as { edge: { id: string; state: string; extraMs: number } };
      process.stdout.write(`${body.edge.id}: ${body.edge.state}${body.edge.extraMs ? ` +${body.edge.extraMs}ms` : ''}\n`);
    });
}
