/**
 * One log style for every long-running command: pino JSON lines with
 * `component` (which process) and `event` (what happened) on every line,
 * the level from `--log-level` (else EDGESTEER_LOG_LEVEL, else info), and
 * `--log-format pretty` for people reading a terminal (pino-pretty, loaded
 * only when asked for). `service` is reserved for the steered service.
 */
import { Option, type Command } from 'commander';
import { pino, type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LogFlags {
  logLevel?: string;
  logFormat?: LogFormat;
}

/** Adds --log-level and --log-format to a command. */
export function addLogOptions(cmd: Command, where = 'stdout'): Command {
  return cmd
    .addOption(new Option('--log-level <level>', `log level (JSON lines on ${where})`).choices(LOG_LEVELS).default(process.env['EDGESTEER_LOG_LEVEL'] ?? 'info', 'info, or $EDGESTEER_LOG_LEVEL'))
    .addOption(new Option('--log-format <format>', 'json (one object per line) or pretty (coloured, for people; via pino-pretty)').choices(['json', 'pretty']).default('json'));
}

/** The process logger for `component`. */
export async function createLogger(component: string, flags: LogFlags, opts: { fd?: 1 | 2; base?: Record<string, unknown> } = {}): Promise<Logger> {
  const level = flags.logLevel ?? process.env['EDGESTEER_LOG_LEVEL'] ?? 'info';
  const base = { component, ...opts.base };
  let dest: DestinationStream;
  if (flags.logFormat === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    dest = pretty({ destination: opts.fd ?? 1, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', messageKey: 'msg' });
  } else {
    dest = pino.destination({ fd: opts.fd ?? 1, sync: true });
  }
  return pino({ level, base }, dest);
}
