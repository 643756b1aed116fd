import { InvalidArgumentError, Option, type Command } from 'commander';
import { DnsServerError, parseListen, RRL_DEFAULTS, startDnsMetricsListener, startDnsServer, type DnsMetricsListener } from '@edgesteer/dns-server';
import { pino } from 'pino';
import { CliError } from '../cli-error.js';

interface DnsOptions {
  policy: string;
  listen: string;
  metricsListen?: string;
  controller?: string;
  workers: number;
  maxUdp: number;
  logLevel: string;
  /** false with --no-watch. */
  watch: boolean;
  rrlRate: number;
  rrlSlip: number;
  rrlExempt: string;
  udp: 'auto' | 'batched' | 'dgram';
}

function positiveInt(what: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}`);
    return n;
  };
}

async function runDns(opts: DnsOptions): Promise<void> {
  let listen: { host: string; port: number };
  try {
    listen = parseListen(opts.listen);
  } catch (err) {
    throw new CliError('E_USAGE', (err as Error).message, 2);
  }
  let metricsAt: { host: string; port: number } | undefined;
  if (opts.metricsListen !== undefined) {
    try {
      metricsAt = parseListen(opts.metricsListen);
    } catch (err) {
      throw new CliError('E_USAGE', `--metrics-listen: ${(err as Error).message}`, 2);
    }
  }
  if (opts.controller !== undefined && !/^https?:\/\/[^/]/.test(opts.controller)) {
    throw new CliError('E_USAGE', `--controller "${opts.controller}" is not an http(s) URL (e.g. http://127.0.0.1:8080)`, 2);
  }
  const logger = pino({ name: 'edgesteer-dns', level: opts.logLevel, base: { pid: process.pid } });
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
      ...(opts.controller ? { controller: opts.controller } : {}),
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
      metrics = await startDnsMetricsListener(() => server.metrics(), metricsAt);
    } catch (err) {
      await server.close();
      throw new CliError('E_DNS_METRICS_LISTEN', `cannot listen for /metrics on ${opts.metricsListen}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pick another with --metrics-listen`);
    }
    logger.info({ event: 'metrics_listening', url: metrics.url }, `metrics on ${metrics.url}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      void Promise.all([server.close(), metrics?.close()]).then(() => resolve(), () => resolve());
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
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
  program
    .command('dns')
    .description(
      'Authoritative DNS server for the policy zones (UDP and TCP): answers steered names per client region ' +
        '(EDNS Client Subnet, else source address) from the routing table. Reloads the policy on file change and SIGHUP.',
    )
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--listen <host:port>', 'address for UDP and TCP', '127.0.0.1:5353')
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics (off by default)')
    .option('--controller <url>', 'follow the routing table of this controller (default: computed from the policy, every edge assumed up)')
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
    .option('--log-level <level>', 'pino log level (fatal, error, warn, info, debug)', 'info')
    .addHelpText(
      'after',
      '\nExamples:\n  edgesteer dns --policy config/policy.yaml --listen 127.0.0.1:5353\n  dig @127.0.0.1 -p 5353 cdn.example.com +subnet=10.2.3.0/24\n  edgesteer dns --policy config/policy.yaml --controller http://127.0.0.1:8080 --workers 2\n',
    )
    .action(async (opts: DnsOptions) => {
      await runDns(opts);
    });
}
