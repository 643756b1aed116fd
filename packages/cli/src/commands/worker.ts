import type { Command } from 'commander';
import type { ProbeKeys } from '@edgesteer/core';
import { loadProbeKeys, parseListen, PROBE_KEYS_ENV } from '@edgesteer/http-kit/node';
import { startWorkerNode } from '@edgesteer/worker/node';
import { CliError } from '../cli-error.js';
import { addLogOptions, createLogger, type LogFlags } from '../process/logging.js';
import { untilSignal } from '../process/shutdown.js';

interface WorkerFlags extends LogFlags {
  policy: string;
  listen: string;
  keyFile?: string;
  watch: boolean;
  refreshMs: number;
}

/** The keys through the one loader (key file, else EDGESTEER_PROBE_KEYS); its codes become the CLI's. */
function loadKeys(keyFile: string | undefined): { keys: ProbeKeys; source: string } {
  try {
    return { keys: loadProbeKeys({ keyFile }), source: keyFile ?? PROBE_KEYS_ENV };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E_')) throw new CliError(code, (err as Error).message);
    throw err;
  }
}

/** Runs the Worker on Node until SIGINT/SIGTERM. */
async function runWorker(flags: WorkerFlags): Promise<void> {
  let listen: { host: string; port: number };
  try {
    listen = parseListen(flags.listen);
  } catch (err) {
    throw new CliError('E_LISTEN_INVALID', (err as Error).message, 2);
  }
  const refreshMs = flags.refreshMs;
  if (!Number.isInteger(refreshMs) || refreshMs < 50 || refreshMs > 60_000) {
    throw new CliError('E_USAGE', `--refresh-ms must be an integer between 50 and 60000, got "${flags.refreshMs}"`, 2);
  }
  // `component`, not `service`: in our logs `service` always means the steered service.
  const log = await createLogger('worker', flags);
  const { keys, source } = loadKeys(flags.keyFile);
  if (keys.size === 0) log.warn({ event: 'no_probe_keys', source }, 'no probe keys: every POST /v1/observations is refused (401); answers come from the assume-up table');

  let running;
  try {
    running = await startWorkerNode({ policyFile: flags.policy, watchPolicy: flags.watch, host: listen.host, port: listen.port, keys, logger: log, refreshMs });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E_')) throw new CliError(code, (err as Error).message);
    const m = /^(E_[A-Z_]+): ([\s\S]*)$/.exec((err as Error).message);
    if (m) throw new CliError(m[1]!, m[2]!);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError('E_LISTEN_INVALID', `${flags.listen} is already in use`);
    throw err;
  }
  const r = running;
  log.info({ event: 'worker_ready', url: r.url, metrics: `${r.url}/metrics`, try: `dig @${r.host} -p ${r.port} +http-plain-get <name>` }, `worker ready on ${r.url}`);
  await untilSignal({ log, stop: () => r.close(), onHup: () => void r.reloadPolicy() });
}

/** Registers `edgesteer worker`. */
export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('Run the Worker on Node: DNS-over-HTTPS, the /resolve JSON API, HTTP steering and signed ingest (the same app as on Cloudflare).')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--listen <host:port>', 'HTTP/1.1 and h2c listen address (port 0 = any free port)', '127.0.0.1:8787')
    .option('--key-file <file>', 'probe HMAC keys, one "probe-id region secret" per line, chmod 600 (default: $EDGESTEER_PROBE_KEYS)')
    .option('--refresh-ms <n>', 're-run decide() when the table is older than this (staleness, fail-static)', Number, 1000)
    .option('--no-watch', 'do not reload the policy when the file changes (SIGHUP still reloads)');
  addLogOptions(cmd);
  cmd
    .addHelpText(
      'after',
      `
Environment:
  EDGESTEER_PROBE_KEYS   probe keys "id region secret,id2 region2 secret2" (when --key-file is not given)
  EDGESTEER_LOG_LEVEL    default for --log-level

Endpoints:
  GET|POST /dns-query          DoH (RFC 8484)        GET /resolve?name=&type=   JSON answers
  GET /steer/<service>[/path]  302 to the best edge  ?format=json              the decision and why
  POST /v1/observations        signed probe reports  GET /healthz, /v1/table   table version and age
  GET /metrics                 Prometheus text (DoH queries by rcode/region, ingest accepted/rejected)

Example:
  edgesteer worker --policy config/policy.yaml --listen 127.0.0.1:8787
  dig @127.0.0.1 -p 8787 +http-plain-get +subnet=10.2.3.0/24 cdn.example.com
  curl -i 'http://127.0.0.1:8787/steer/cdn/index.html'
`,
    )
    .action(async (flags: WorkerFlags) => runWorker(flags));
}
