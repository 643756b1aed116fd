import { pino, type Logger } from 'pino';

/** The default logger: pino JSON on stdout, `name` = edgesteer-dns. */
export function defaultLogger(level = process.env['LOG_LEVEL'] ?? 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ name: 'edgesteer-dns', level, base: { pid: process.pid, ...bindings } });
}
