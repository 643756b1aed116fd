import { Option, type Command } from 'commander';
import { loadPolicyFile, formatProblem } from '@edgesteer/policy';
import { CliError } from '../cli-error.js';
import { DEFAULT_PORTS, startStack, type StackPorts } from '../run/stack.js';
import { banner } from '../run/banner.js';
import { parseListen } from '@edgesteer/http-kit/node';
import { LOG_LEVELS } from '../process/logging.js';
import { untilSignal } from '../process/shutdown.js';

interface RunFlags {
  policy: string;
  stateDir: string;
  controllerListen: string;
  workerListen: string;
  dnsListen: string;
  controlListen: string;
  dnsMetricsListen: string;
  probeMetricsListen: string;
  route53Endpoint?: string;
  cloudwatchEndpoint?: string;
  logs: boolean;
  logLevel: string;
}

async function run(flags: RunFlags): Promise<void> {
  const loaded = await loadPolicyFile(flags.policy).catch((err: Error & { code?: string }) => {
    throw new CliError(err.code ?? 'E_POLICY_READ', err.message);
  });
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(formatProblem(p) + '\n');
    throw new CliError('E_POLICY_INVALID', `${flags.policy} is invalid (${loaded.problems.length} problem(s) above); fix them and run again`);
  }
  // Every address through the one listen parser first: a typo is a usage error, not a half-started stack.
  for (const [flag, value] of [
    ['--controller-listen', flags.controllerListen],
    ['--worker-listen', flags.workerListen],
    ['--dns-listen', flags.dnsListen],
    ['--control-listen', flags.controlListen],
    ['--dns-metrics-listen', flags.dnsMetricsListen],
    ['--probe-metrics-listen', flags.probeMetricsListen],
  ] as const) {
    try {
      parseListen(value, flag);
    } catch (err) {
      throw new CliError('E_LISTEN_INVALID', (err as Error).message, 2);
    }
  }
  const ports: StackPorts = {
    controller: flags.controllerListen,
    worker: flags.workerListen,
    dns: flags.dnsListen,
    control: flags.controlListen,
    dnsMetrics: flags.dnsMetricsListen,
    probeMetrics: flags.probeMetricsListen,
  };
  process.stdout.write(`edgesteer: starting demo edges, controller, Worker, DNS server and ${loaded.policy.regions.length} probes on loopback…\n`);
  const started = Date.now();
  let stopping = false;
  const stack = await startStack({
    policyFile: flags.policy,
    policy: loaded.policy,
    ports,
    stateDir: flags.stateDir,
    ...(flags.logs ? { logTo: process.stderr } : { humanTo: process.stdout }),
    logLevel: flags.logLevel,
    ...(flags.route53Endpoint || flags.cloudwatchEndpoint
      ? { route53: { ...(flags.route53Endpoint ? { endpoint: flags.route53Endpoint } : {}), ...(flags.cloudwatchEndpoint ? { cloudwatchEndpoint: flags.cloudwatchEndpoint } : {}) } }
      : {}),
    onExit: (name, code, signal) => {
      if (!stopping) process.stderr.write(`edgesteer: ${name} exited (${signal ?? `code ${code}`}); the other planes keep serving. Logs: ${flags.stateDir}/logs/${name}.log\n`);
    },
  }).catch((err: Error) => {
    throw new CliError('E_RUN_START', `${err.message}. Logs: ${flags.stateDir}/logs/`);
  });
  process.stdout.write(banner({ policyFile: flags.policy, policy: loaded.policy, ports, stack, startedMs: Date.now() - started, stateDir: flags.stateDir, table: stack.table }));
  await untilSignal({
    stop: async (signal) => {
      stopping = true;
      process.stdout.write(`\nedgesteer: ${signal}: stopping everything…\n`);
      await stack.stop();
      process.stdout.write('edgesteer: stopped.\n');
    },
  });
}

/** Registers `edgesteer run`: the whole stack on loopback with demo edges. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run everything on loopback with demo edges: controller + dashboard, Worker, DNS server, one probe per region.')
    .option('--policy <file>', 'policy file', 'config/policy.yaml')
    .option('--state-dir <dir>', 'logs, probe keys and controller state', '.edgesteer-state/run')
    .option('--controller-listen <host:port>', 'controller and dashboard', DEFAULT_PORTS.controller)
    .option('--worker-listen <host:port>', 'Worker on Node (DoH, /resolve, /steer)', DEFAULT_PORTS.worker)
    .option('--dns-listen <host:port>', 'authoritative DNS server (UDP and TCP)', DEFAULT_PORTS.dns)
    .option('--control-listen <host:port>', 'demo control (edgesteer demo edge …)', DEFAULT_PORTS.control)
    .option('--dns-metrics-listen <host:port>', 'DNS server /metrics (the controller and Worker serve /metrics on their own ports)', DEFAULT_PORTS.dnsMetrics)
    .option('--probe-metrics-listen <host:port>', 'first probe\'s /metrics; probe i gets port + i (port 0: a free port each)', DEFAULT_PORTS.probeMetrics)
    .option('--route53-endpoint <url>', 'Route53 endpoint for the controller\'s reconcile loop (only with a zone that has route53.hostedZoneId)')
    .option('--cloudwatch-endpoint <url>', 'CloudWatch endpoint for the health-check alarms')
    .option('--logs', 'stream every process\'s JSON logs to stderr (they always go to <state-dir>/logs/); without it the terminal gets one line per failover and recovery')
    .addOption(new Option('--log-level <level>', 'log level of every process').choices(LOG_LEVELS).default(process.env['EDGESTEER_LOG_LEVEL'] ?? 'info', 'info, or $EDGESTEER_LOG_LEVEL'))
    .addHelpText('after', '\nCtrl-C stops everything. `edgesteer demo edge EDGE down|up|slow MS` changes a demo edge while it runs.\n')
    .action(async (flags: RunFlags) => run(flags));
}
