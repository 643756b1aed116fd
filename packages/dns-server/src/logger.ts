import { pino, type Logger } from 'pino';

/** The default logger: pino JSON on stdout with `component: "dns"` (the field every edgesteer process uses). */
export function defaultLogger(level = process.env['EDGESTEER_LOG_LEVEL'] ?? process.env['LOG_LEVEL'] ?? 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { component: 'dns', pid: process.pid, ...bindings } });
}
