/**
 * The Worker's logger: the (fields, message) call shape of pino, so the
 * Node runner can pass a pino instance, while on workerd each entry is one
 * JSON line on the console (what Workers Logs and `wrangler tail` index).
 */
export interface WorkerLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** JSON lines on the console, with the same field names as pino (level, time, msg). */
export function consoleJsonLogger(base: Record<string, unknown> = { component: 'worker' }): WorkerLogger {
  const line = (level: number, fields: Record<string, unknown>, msg: string) => {
    const entry = { level, time: Date.now(), ...base, ...fields, msg };
    const text = JSON.stringify(entry, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
    if (level >= 50) console.error(text);
    else if (level >= 40) console.warn(text);
    else console.log(text);
  };
  return {
    info: (f, m) => line(30, f, m),
    warn: (f, m) => line(40, f, m),
    error: (f, m) => line(50, f, m),
  };
}

/** Discards everything (tests). */
export function silentLogger(): WorkerLogger {
  const nop = () => {};
  return { info: nop, warn: nop, error: nop };
}
