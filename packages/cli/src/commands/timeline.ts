import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { DEFAULT_STATE_DIR, ObservationLog, parseDuration, type ReadStats } from '@edgesteer/control';
import { CliError } from '../cli-error.js';

interface ExportOptions {
  since?: string;
  controller?: string;
  stateDir: string;
}

/**
 * Writes the durable observation timeline as JSON lines on stdout: from a
 * running controller (GET /v1/timeline/export) or straight from a state
 * directory's log (works with the controller down).
 */
async function runExport(opts: ExportOptions): Promise<void> {
  let sinceMs: number | undefined;
  if (opts.since !== undefined) {
    sinceMs = parseDuration(opts.since);
    if (sinceMs === undefined) throw new CliError('E_BAD_SINCE', `--since ${JSON.stringify(opts.since)} is not a duration; use e.g. 90s, 15m, 2h or 1d`, 2);
  }
  if (opts.controller) {
    const url = new URL('/v1/timeline/export', opts.controller);
    if (opts.since !== undefined) url.searchParams.set('since', opts.since);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw new CliError('E_CONTROLLER_UNREACHABLE', `cannot reach ${url.origin}: ${(err as Error).message}`);
    }
    if (!res.ok || !res.body) throw new CliError('E_TIMELINE_EXPORT', `${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    for await (const chunk of res.body) await write(chunk as Uint8Array);
    return;
  }
  const dir = join(resolve(opts.stateDir), 'observations');
  if (!existsSync(dir)) throw new CliError('E_TIMELINE_OFF', `no observation log in ${dir}; pass --state-dir of a controller that ran with state, or --controller URL`);
  const log = new ObservationLog({ dir, readOnly: true });
  const stats: ReadStats = { records: 0, corrupt: 0, segments: 0 };
  const since = sinceMs === undefined ? -Infinity : Date.now() - sinceMs;
  let text = '';
  for (const rec of log.read(since, stats)) {
    text += JSON.stringify(rec) + '\n';
    if (text.length > 1 << 20) {
      await write(text);
      text = '';
    }
  }
  await write(text);
  process.stderr.write(`${stats.records} observations from ${stats.segments} segment(s) of ${dir}${stats.corrupt ? `; ${stats.corrupt} corrupt record(s) skipped` : ''}\n`);
}

function write(chunk: string | Uint8Array): Promise<void> {
  return new Promise((ok, fail) => (process.stdout.write(chunk, (err) => (err ? fail(err) : ok())) ? undefined : undefined));
}

/** Registers `edgesteer timeline export`. */
export function registerTimeline(program: Command): void {
  const timeline = program.command('timeline').description('The durable observation timeline a controller keeps (input of `edgesteer replay`).');
  timeline
    .command('export')
    .description('Print the logged observations as JSON lines (oldest first).')
    .option('--since <duration>', 'only the last 90s / 15m / 2h / 1d')
    .option('--controller <url>', 'read from a running controller (GET /v1/timeline/export)')
    .option('--state-dir <dir>', 'read the log of this state directory (controller may be down)', DEFAULT_STATE_DIR)
    .addHelpText('after', '\nExamples:\n  edgesteer timeline export --since 2h > incident.jsonl\n  edgesteer timeline export --controller http://127.0.0.1:8080 --since 30m > incident.jsonl\n')
    .action(async (opts: ExportOptions) => runExport(opts));
}
