import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * The controller's JSON logger. Every line carries `component: "controller"`
 * so a shared log stream (e.g. `edgesteer run`) can be filtered per process.
 */
export function createControllerLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env['EDGESTEER_LOG_LEVEL'] ?? 'info';
  const base = { component: 'controller' };
  return opts.destination ? pino({ level, base }, opts.destination) : pino({ level, base });
}

/** A logger that drops everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
