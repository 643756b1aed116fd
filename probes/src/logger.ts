/**
 * pino JSON logs for the probe agent. Logs go to stderr so `--json` output on
 * stdout stays machine-readable. Fields an on-call engineer filters by:
 * `component`, `probe`, `region`, `event`, `edge`, `sink`.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export function createProbeLogger(opts: { probe: string; region: string; level?: LevelWithSilent; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { level: opts.level ?? 'info', base: { component: 'probe', probe: opts.probe, region: opts.region } },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/**
 * At most one log line per `intervalMs` for a recurring problem (a sink that
 * is down fails every few hundred ms); the next line says how many were
 * suppressed in between.
 */
export class RateLimitedLog {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `emit(suppressedSinceLast)` when allowed, else counts the line as suppressed. */
  maybe(emit: (suppressed: number) => void): void {
    const t = this.now();
    if (t - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastAt = t;
    const n = this.suppressed;
    this.suppressed = 0;
    emit(n);
  }
}
