/**
 * Hot reload: watches the policy file and applies valid changes to the
 * controller; an invalid file is logged problem by problem and the current
 * policy keeps serving.
 *
 * The directory is watched, not the file: editors and config managers
 * replace files by rename (and Kubernetes swaps a symlinked directory),
 * which a watch on the old inode would miss. Any event in the directory
 * re-reads the file; an unchanged content hash is ignored.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { sha256Hex } from '@edgesteer/core';
import { formatProblem, parsePolicy } from '@edgesteer/policy';
import type { Controller } from './controller.js';

/** Outcome of one reload attempt. */
export type ReloadResult =
  | { result: 'applied'; warnings: string[] }
  | { result: 'unchanged' }
  | { result: 'invalid'; problems: string[] };

export interface PolicyWatcherOptions {
  controller: Controller;
  file: string;
  /** Quiet period after the last file event before reading (editors write in bursts). Default 100 ms. */
  debounceMs?: number;
  /** Content hash of the file the controller started with (skips a no-op first reload). */
  initialText?: string;
}

/** File watcher + reloader (see module doc). */
export class PolicyWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastHash: string | undefined;
  private running: Promise<ReloadResult> | undefined;

  constructor(private readonly opts: PolicyWatcherOptions) {
    if (opts.initialText !== undefined) this.lastHash = sha256Hex(opts.initialText);
  }

  /** Starts watching. */
  start(): this {
    const name = basename(this.opts.file);
    this.watcher = watch(dirname(this.opts.file), { persistent: false }, (_event, changed) => {
      // Unrelated files are skipped, but a null name (some platforms) or a symlink swap still triggers a read.
      if (changed && changed !== name && !changed.startsWith('..')) return;
      this.schedule();
    });
    this.watcher.on('error', (err) => this.opts.controller.log.error({ event: 'policy_watch_failed', policyFile: this.opts.file, err: err.message }, 'policy watch failed; hot reload is off'));
    return this;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.opts.debounceMs ?? 100);
    this.timer.unref();
  }

  /**
   * Reads the file and applies it if it changed and is valid. `force`
   * re-applies even an unchanged file (the admin reload endpoint).
   */
  async reload(force = false): Promise<ReloadResult> {
    while (this.running) await this.running.catch(() => {});
    this.running = this.reloadOnce(force);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async reloadOnce(force: boolean): Promise<ReloadResult> {
    const { controller, file } = this.opts;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      // Mid-rename the file can be briefly absent; a real deletion is an error worth showing.
      const problems = [`${file}: cannot read policy file: ${(err as Error).message}`];
      this.lastHash = undefined;
      controller.rejectPolicy(problems);
      return { result: 'invalid', problems };
    }
    const hash = sha256Hex(text);
    if (!force && hash === this.lastHash) {
      controller.countReload('unchanged');
      return { result: 'unchanged' };
    }
    this.lastHash = hash;
    const parsed = parsePolicy(text, file);
    if (!parsed.ok) {
      const problems = parsed.problems.filter((p) => p.severity === 'error').map(formatProblem);
      controller.rejectPolicy(problems.length > 0 ? problems : parsed.problems.map(formatProblem));
      return { result: 'invalid', problems };
    }
    const warnings = parsed.problems.map(formatProblem);
    controller.applyPolicy(parsed.policy, warnings);
    return { result: 'applied', warnings };
  }
}
