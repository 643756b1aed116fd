/**
 * A policy file on disk as a {@link PolicySource} for the Node runner:
 * validated on load; reload() (SIGHUP, file change) swaps it only when the
 * new text is valid, otherwise the old policy keeps serving and the
 * problems are reported.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PolicyReadError } from '@edgesteer/policy';
import { formatProblem, parsePolicy, PolicyError, type Policy } from '@edgesteer/policy/neutral';
import type { LoadedPolicy, PolicySource, WorkerLogger } from '../index.js';

/** Outcome of a reload. */
export type PolicyReload = { result: 'applied' | 'unchanged' } | { result: 'invalid'; problems: string[] };

export class FilePolicySource implements PolicySource {
  private loaded: LoadedPolicy;
  private error: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastText: string;

  private constructor(
    readonly file: string,
    policy: Policy,
    text: string,
    private readonly log: WorkerLogger,
  ) {
    this.loaded = { policy, source: file, loadedAt: Date.now() };
    this.lastText = text;
  }

  /** Loads `file`; throws with every problem when it is invalid (a first load has nothing to fall back on). */
  static async open(file: string, log: WorkerLogger): Promise<FilePolicySource> {
    const { text, result } = await readPolicy(file);
    if (!result.ok) throw new PolicyError(result.problems);
    return new FilePolicySource(file, result.policy, text, log);
  }

  async get(): Promise<LoadedPolicy> {
    return this.loaded;
  }

  lastError(): string | undefined {
    return this.error;
  }

  /** Re-reads the file; an invalid file leaves the current policy in place. */
  async reload(): Promise<PolicyReload> {
    let read: Awaited<ReturnType<typeof readPolicy>>;
    try {
      read = await readPolicy(this.file);
    } catch (err) {
      this.error = (err as Error).message;
      this.log.error({ event: 'policy_invalid', policyFile: this.file, problem: this.error }, this.error);
      return { result: 'invalid', problems: [this.error] };
    }
    if (read.text === this.lastText) {
      // Back to the text being served (e.g. a bad edit reverted): the earlier error no longer describes what runs.
      if (this.error !== undefined) {
        this.error = undefined;
        this.log.info({ event: 'policy_restored', policyFile: this.file }, 'policy file restored to the policy being served');
      }
      return { result: 'unchanged' };
    }
    if (!read.result.ok) {
      const problems = read.result.problems.filter((p) => p.severity === 'error').map(formatProblem);
      this.error = problems[0] ?? 'policy invalid';
      for (const p of problems) this.log.error({ event: 'policy_invalid', policyFile: this.file, problem: p }, p);
      this.log.error({ event: 'policy_rejected', policyFile: this.file, errors: problems.length }, 'policy rejected: keeping the previous policy');
      return { result: 'invalid', problems };
    }
    this.lastText = read.text;
    this.loaded = { policy: read.result.policy, source: this.file, loadedAt: Date.now() };
    this.error = undefined;
    this.log.info({ event: 'policy_reloaded', policyFile: this.file }, 'policy reloaded');
    return { result: 'applied' };
  }

  /** Reloads when the file changes (debounced; editors write in several steps). */
  watch(debounceMs = 200): void {
    if (this.watcher) return;
    const name = basename(this.file);
    // Watch the directory: editors replace the file, which ends a watch on the file itself.
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), debounceMs);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

async function readPolicy(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyReadError(file, err);
  }
  return { text, result: parsePolicy(text, file) };
}
