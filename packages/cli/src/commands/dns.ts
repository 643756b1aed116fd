import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ProbeKeys } from '@edgesteer/core';
import { ProbeKeyError } from '@edgesteer/http-kit';
import { loadProbeKeys, parseListen } from '@edgesteer/http-kit/node';
import { DnsServerError, RRL_DEFAULTS, startDnsMetricsListener, startDnsServer, type DnsMetricsListener } from '@edgesteer/dns-server';
import { CliError } from '../cli-error.js';
import { addLogOptions, createLogger, type LogFlags } from '../process/logging.js';
import { untilSignal } from '../process/shutdown.js';

interface DnsOptions extends LogFlags {
  policy: string;
  listen: string;
  httpListen?: string;
  /** Old name of --http-listen. */
  metricsListen?: string;
  keyFile?: string;
  stateDir?: string;
  tickMs: number;
  controller?: string;
  workers: number;
  maxUdp: number;
  /** false with --no-watch. */
  watch: boolean;
  rrlRate: number;
  rrlSlip: number;
  rrlExempt: string;
  nsid?: string;
  udp: 'auto' | 'batched' | 'dgram';
}

function positiveInt(what: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}`);
    return n;
  };
}

/** Probe keys through the one loader (--key-file, else EDGESTEER_PROBE_KEYS, else none: the server then only follows or assumes up). */
function loadKeys(keyFile: string | undefined): ProbeKeys {
  try {
    return loadProbeKeys({ keyFile });
  } catch (err) {
    if (err instanceof ProbeKeyError) throw new CliError(err.code, err.message);
    throw err;
  }
}

async function runDns(opts: DnsOptions): Promise<void> {
  let listen: { host: string; port: number };
  try {
    listen = parseListen(opts.listen);
  } catch (err) {
    throw new CliError('E_USAGE', (err as Error).message, 2);
  }
  let metricsAt: { host: string; port: number } | undefined;
  const httpListen = opts.httpListen ?? opts.metricsListen;
  const httpFlag = opts.httpListen !== undefined ? '--http-listen' : '--metrics-listen';
  if (httpListen !== undefined) {
    try {
      metricsAt = parseListen(httpListen, httpFlag);
    } catch (err) {
      throw new CliError('E_USAGE', (err as Error).message, 2);
    }
  }
  const keys: ProbeKeys = opts.controller ? new Map() : loadKeys(opts.keyFile);
  if (opts.controller !== undefined && !/^https?:\/\/[^/]/.test(opts.controller)) {
    throw new CliError('E_USAGE', `--controller "${opts.controller}" is not an http(s) URL (e.g. http://127.0.0.1:8080)`, 2);
  }
  const logger = await createLogger('dns', opts, { base: { pid: process.pid } });
  let server;
  try {
    server = await startDnsServer({
      policyFile: opts.policy,
      host: listen.host,
      port: listen.port,
      workers: opts.workers,
      maxUdp: opts.maxUdp,
      udp: opts.udp,
      handleSigHup: true,
      watch: opts.watch,
      logger,
      rrl: {
        ratePerSecond: opts.rrlRate,
        slip: opts.rrlSlip,
        exempt: opts.rrlExempt === 'none' ? [] : opts.rrlExempt.split(',').map((s) => s.trim()).filter(Boolean),
      },
      ...(opts.controller ? { controller: opts.controller } : { keys, tickMs: opts.tickMs, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) }),
      ...(opts.nsid ? { nsid: opts.nsid } : {}),
    });
  } catch (err) {
    if (err instanceof DnsServerError) throw new CliError(err.code, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError('E_DNS_LISTEN', `cannot listen on ${opts.listen}: the port is in use (another DNS server?); pick another with --listen`);
    if (code === 'EACCES') throw new CliError('E_DNS_LISTEN', `cannot listen on ${opts.listen}: permission denied (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL') throw new CliError('E_DNS_LISTEN', `cannot listen on ${opts.listen}: no such local address`);
    throw err;
  }
  let metrics: DnsMetricsListener | undefined;
  if (metricsAt) {
    try {
      metrics = await startDnsMetricsListener(() => server.metrics(), metricsAt, { intake: server.intake });
    } catch (err) {
      await server.close();
      throw new CliError('E_DNS_METRICS_LISTEN', `cannot listen for HTTP on ${httpListen}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pick another with ${httpFlag}`);
    }
    const base = metrics.url.replace(/\/metrics$/, '');
    logger.info({ event: 'metrics_listening', url: metrics.url, base, observations: server.intake ? `${base}/v1/observations` : null }, `HTTP on ${base} (/metrics, /healthz${server.intake ? ', POST /v1/observations' : ''})`);
  }
  await untilSignal({ log: logger, stop: () => Promise.all([server.close(), metrics?.close()]) });
}

function intFrom(what: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Registers `edgesteer dns`. */
export function registerDns(program: Command): void {
  const cmd = program
    .command('dns')
    .description(
      'Authoritative DNS server for the policy zones (UDP and TCP): answers steered names per client region ' +
        '(EDNS Client Subnet, else source address) from the routing table. Reloads the policy on file change and SIGHUP.',
    )
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--listen <host:port>', 'address for UDP and TCP', '127.0.0.1:5353')
    .option('--http-listen <host:port>', 'HTTP listener: POST /v1/observations (signed probe reports: this server decides for itself), GET /healthz, GET /metrics (off by default)')
    .option('--metrics-listen <host:port>', 'old name of --http-listen')
    .option('--key-file <file>', 'probe keys (lines of "probe-id region secret", mode 600) for POST /v1/observations; default EDGESTEER_PROBE_KEYS')
    .option('--state-dir <dir>', 'keep the decision state here (written, fsynced and renamed before each new table is served), so a restart never serves an older table')
    .option('--tick-ms <ms>', 'time-driven decision cycle (staleness, fail-static)', intFrom('--tick-ms', 50, 60_000), 1000)
    .option('--controller <url>', 'follow the routing table of this controller instead of deciding here (never goes back to an older table)')
    .option('--workers <n>', 'processes answering on the same port (SO_REUSEPORT)', positiveInt('--workers', 64), 1)
    .option('--max-udp <bytes>', 'EDNS UDP payload size advertised; larger answers are truncated (TC) over UDP', (t) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 512 || n > 65535) throw new InvalidArgumentError('--max-udp must be an integer from 512 to 65535');
      return n;
    }, 1232)
    .addOption(
      new Option('--udp <path>', 'UDP path: batched = recvmmsg/sendmmsg addon (built by npm run build), dgram = node:dgram, auto = batched when the addon loads')
        .choices(['auto', 'batched', 'dgram'])
        .default('auto'),
    )
    .option('--no-watch', 'do not reload the policy when the file changes (SIGHUP still reloads)')
    .option('--rrl-rate <n>', 'response rate limit over UDP: responses per second per client /24 (IPv4) or /56 (IPv6) and response class; 0 = off', intFrom('--rrl-rate', 0, 1_000_000), RRL_DEFAULTS.ratePerSecond)
    .option('--rrl-slip <n>', 'every Nth rate-limited response is sent truncated (TC) so real clients retry over TCP; 0 = drop all, 1 = truncate all', intFrom('--rrl-slip', 0, 10), RRL_DEFAULTS.slip)
    .option('--rrl-exempt <cidrs>', 'comma-separated client networks never rate-limited, or "none"', RRL_DEFAULTS.exempt.join(','))
    .option('--nsid <id>', 'name this server in answers to queries that ask for it (RFC 5001 NSID); 0x… for hex bytes (off by default)');
  addLogOptions(cmd);
  cmd
    .addHelpText(
      'after',
      '\nExamples:\n  edgesteer dns --policy config/policy.yaml --listen 127.0.0.1:5353 --http-listen 127.0.0.1:9153 --key-file probe-keys --state-dir .edgesteer-state/dns\n  edgesteer probe --policy config/policy.yaml --region eu-west --report-to http://127.0.0.1:9153\n  dig @127.0.0.1 -p 5353 cdn.example.com +subnet=10.2.3.0/24\n  edgesteer dns --policy config/policy.yaml --controller http://127.0.0.1:8080 --workers 2\n',
    )
    .action(async (opts: DnsOptions) => {
      await runDns(opts);
    });
}
