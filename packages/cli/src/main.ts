#!/usr/bin/env node
/**
 * The `edgesteer` command. Each subcommand lives in commands/<name>.ts and
 * registers itself on the program. Start-up cost matters (a `policy check`
 * in CI, `--help`): only the module of the command that runs is imported, so
 * `edgesteer policy check` never loads the AWS SDK, the DNS server or the
 * Worker. The table below is the one place a command is added: one line,
 * name → description (for the top-level help) → loader.
 * Exit codes: 0 ok, 1 failure/invalid input, 2 usage.
 */
import { enableCompileCache } from 'node:module';
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';

// V8 code cache on disk (Node >= 22.1): the lazily imported command modules compile once, not on every run.
enableCompileCache?.();

type Register = (program: Command) => void;

/** Every subcommand: name, one-line description for `edgesteer --help`, and its lazy loader. */
const COMMANDS: ReadonlyArray<readonly [name: string, description: string, load: () => Promise<Register>]> = [
  ['policy', 'Validate routing policy files and print their JSON Schema.', () => import('./commands/policy.js').then((m) => m.registerPolicy)],
  ['explain', 'Show the ranking a service gets in a client region, and why each edge is in or out.', () => import('./commands/explain.js').then((m) => m.registerExplain)],
  ['probe', 'Run the probe agent for one region: check every edge, report signed observations.', () => import('./commands/probe.js').then((m) => m.registerProbe)],
  ['dns', 'Authoritative DNS server for the policy zones (UDP and TCP), steered per client region.', () => import('./commands/dns.js').then((m) => m.registerDns)],
  ['route53', 'Keep Route53 in the shape of the routing table (plan, apply).', () => import('./commands/route53.js').then((m) => m.registerRoute53)],
  ['worker', 'Run the Worker on Node: DNS-over-HTTPS, /resolve, HTTP steering and signed ingest.', () => import('./commands/worker.js').then((m) => m.registerWorker)],
  ['controller', 'Ingest signed probe reports, decide, and serve the routing table, dashboard and /metrics.', () => import('./commands/controller.js').then((m) => m.registerController)],
  ['run', 'Run everything on loopback with demo edges: controller, Worker, DNS server, probes.', () => import('./commands/run.js').then((m) => m.registerRun)],
  ['demo', 'Control the demo edges of a running `edgesteer run`.', () => import('./commands/demo.js').then((m) => m.registerDemo)],
  ['timeline', 'The durable observation timeline: export it for replay.', () => import('./commands/timeline.js').then((m) => m.registerTimeline)],
  ['replay', 'Replay recorded observations under one or two policies: answer changes, failover times, flaps.', () => import('./commands/replay.js').then((m) => m.registerReplay)],
  ['geo', 'The client map: how the address space and each country split across regions.', () => import('./commands/geo.js').then((m) => m.registerGeo)],
];

const program = new Command('edgesteer')
  .description('Latency-based DNS steering over healthy edges: policy, probes, DNS, Route53, Worker.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();
program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

/** The command named on the command line (first argument that is not an option), if it is one of ours. */
function requested(argv: readonly string[]): (typeof COMMANDS)[number] | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const name = first === 'help' ? argv.slice(2).find((a, i, all) => i > all.indexOf('help') && !a.startsWith('-')) : first;
  return COMMANDS.find(([n]) => n === name);
}

try {
  const cmd = requested(process.argv);
  if (cmd) {
    (await cmd[2]())(program);
  } else {
    // Top-level help or an unknown command: list every command without loading any.
    for (const [name, description] of COMMANDS) program.command(name).description(description).allowUnknownOption().helpOption(false);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; every parsing problem is a usage error (2).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CliError) {
    process.stderr.write(`edgesteer: ${err.code}: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`edgesteer: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
