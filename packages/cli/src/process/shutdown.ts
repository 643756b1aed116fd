/**
 * The shutdown block every long-running command shares: wait for SIGINT or
 * SIGTERM, log it once, run `stop`, and resolve when it is done (a failing
 * stop is logged, never left hanging). A second signal during a slow stop is
 * ignored: the first one is already being handled. Optional SIGHUP handler
 * (policy reload) for the same lifetime.
 */
import type { Logger } from 'pino';

export interface UntilSignalOptions {
  /** Stops whatever the command runs. */
  stop: (signal: NodeJS.Signals) => Promise<unknown>;
  /** Logs `signal` and `shutdown_failed` events. */
  log?: Pick<Logger, 'info' | 'error'>;
  /** Called on SIGHUP until the process stops. */
  onHup?: () => void;
}

/** Resolves once a SIGINT/SIGTERM has been handled and `stop` finished. */
export function untilSignal(opts: UntilSignalOptions): Promise<void> {
  return new Promise<void>((done) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      if (opts.onHup) process.off('SIGHUP', opts.onHup);
      opts.log?.info({ event: 'signal', signal }, `received ${signal}: shutting down`);
      void opts.stop(signal).then(
        () => done(),
        (err: unknown) => {
          opts.log?.error({ event: 'shutdown_failed', err: String(err) }, 'shutdown failed');
          done();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (opts.onHup) process.on('SIGHUP', opts.onHup);
  });
}
