#!/usr/bin/env node
/**
 * The `edgesteer` command. Each subcommand lives in commands/<name>.ts and
 * registers itself on the program; this file only wires them together and
 * maps errors to exit codes (0 ok, 1 failure/invalid input, 2 usage).
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { CliError } from './cli-error.js';

const program = new Command('edgesteer')
  .description('Latency-based DNS steering over healthy edges: policy, probes, DNS, Route53, Worker.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();
program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

registerCommands(program);

try {
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
