/**
 * Persists the controller's snapshot to `<dir>/controller-state.json`:
 * debounced (at most one write per `debounceMs`), skipped when nothing
 * changed, written atomically, and never blocking the decision loop.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@edgesteer/http-kit/node';
import type { Controller } from './controller.js';
import { ControlError } from './errors.js';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import { parseSnapshot, type ControllerSnapshot } from './snapshot.js';

export const STATE_FILE = 'controller-state.json';

export interface StateStoreOptions {
  dir: string;
  logger: Logger;
  metrics?: ControllerMetrics;
  /** Minimum time between writes. Default 250 ms. */
  debounceMs?: number;
}

/** Debounced, atomic persistence of controller snapshots (see module doc). */
export class StateStore {
  readonly file: string;
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private source: (() => ControllerSnapshot) | undefined;
  private lastBody = '';
  private closed = false;

  constructor(private readonly opts: StateStoreOptions) {
    this.file = join(opts.dir, STATE_FILE);
    this.debounceMs = opts.debounceMs ?? 250;
  }

  /**
   * Reads the saved snapshot. Missing file → undefined. A corrupt file is
   * logged, renamed aside (`.corrupt-<time>`) for a post-mortem, and ignored:
   * starting from the assume-up state beats not starting at all.
   */
  async load(): Promise<ControllerSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ControlError('E_STATE_CORRUPT', `cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const snap = parseSnapshot(JSON.parse(text), this.file);
      this.lastBody = bodyOf(snap);
      return snap;
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside).catch(() => {});
      const code = err instanceof ControlError ? err.code : 'E_STATE_CORRUPT';
      this.opts.logger.error({ event: 'state_corrupt', code, file: this.file, movedTo: aside, err: (err as Error).message }, 'state file unusable: starting from an empty state');
      return undefined;
    }
  }

  /** Saves the controller's snapshot after each update (debounced). Returns a detach function. */
  attach(controller: Controller): () => void {
    this.source = () => controller.snapshot();
    return controller.onUpdate(() => this.schedule());
  }

  /** Asks for a write soon. */
  schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeNow();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Writes any pending change now and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.writeNow();
  }

  /** Final flush; no writes after this. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async writeNow(): Promise<void> {
    // Serialise writes: a second one waits for the first, then writes the newest state.
    while (this.writing) await this.writing;
    if (!this.source || this.closed) return;
    const snap = this.source();
    const body = bodyOf(snap);
    if (body === this.lastBody) return;
    this.writing = (async () => {
      try {
        await mkdir(this.opts.dir, { recursive: true });
        await writeFileAtomic(this.file, JSON.stringify(snap));
        this.lastBody = body;
        this.opts.metrics?.stateWrites.inc({ result: 'ok' });
      } catch (err) {
        this.opts.metrics?.stateWrites.inc({ result: 'error' });
        this.opts.logger.error(
          { event: 'state_write_failed', code: 'E_STATE_WRITE', file: this.file, err: (err as Error).message },
          `cannot write state file ${this.file}: ${(err as Error).message}; check --state-dir permissions and free space`,
        );
      } finally {
        this.writing = undefined;
      }
    })();
    await this.writing;
  }
}

/** Snapshot content without its timestamp: equal bodies need no write. */
function bodyOf(s: ControllerSnapshot): string {
  return JSON.stringify({ ...s, savedAt: 0 });
}
