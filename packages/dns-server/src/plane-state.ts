/**
 * What a DNS server that decides for itself keeps across restarts, in
 * `<state-dir>/dns-state.json`: the decision state, the table it last
 * published (so a restart never serves an older version than clients last
 * saw) and each probe's last accepted report (so replay protection survives).
 *
 * Two kinds of write, both crash-safe (write, fsync, rename, fsync dir):
 * - durable(): before a new table is published; the caller waits for it;
 * - soon(): after any other state change, debounced (links, RTTs).
 * Writes are serialised and each writes the newest snapshot, so an older
 * state can never land after a newer one.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecisionState, RoutingTable } from '@edgesteer/core';
import { writeFileAtomic } from '@edgesteer/http-kit/node';
import type { Logger } from 'pino';

export const DNS_STATE_FILE = 'dns-state.json';
export const DNS_STATE_FORMAT = 'edgesteer-dns-state/1';

/** Per probe: last accepted seq and its signing time. */
export interface ProbeSeen {
  seq: number;
  signedAt: number;
}

export interface PlaneSnapshot {
  format: typeof DNS_STATE_FORMAT;
  savedAt: number;
  /** Random id of this state's history: versions are comparable only within one epoch. */
  epoch: string;
  state: DecisionState;
  table: RoutingTable;
  probes: Record<string, ProbeSeen>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape of a parsed state file (our own file: guards truncation and hand edits). */
export function parsePlaneSnapshot(v: unknown): PlaneSnapshot | string {
  if (!isObj(v)) return 'not a JSON object';
  if (v['format'] !== DNS_STATE_FORMAT) return `unknown format ${JSON.stringify(v['format'])} (expected ${DNS_STATE_FORMAT})`;
  const s = v['state'];
  if (!isObj(s) || !isObj(s['links']) || !isObj(s['verdicts']) || typeof s['version'] !== 'number' || typeof s['hash'] !== 'string') return 'state is not a decision state';
  const t = v['table'];
  if (!isObj(t) || typeof t['version'] !== 'number' || typeof t['hash'] !== 'string' || !isObj(t['services'])) return 'table is not a routing table';
  if (typeof v['epoch'] !== 'string' || typeof v['savedAt'] !== 'number') return 'epoch or savedAt missing';
  return {
    format: DNS_STATE_FORMAT,
    savedAt: v['savedAt'],
    epoch: v['epoch'],
    state: s as unknown as DecisionState,
    table: t as unknown as RoutingTable,
    probes: isObj(v['probes']) ? (v['probes'] as Record<string, ProbeSeen>) : {},
  };
}

/** The state file of one DNS server (see module doc). */
export class PlaneStateFile {
  readonly file: string;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastBody = '';
  /** Writes that failed (logged with E_DNS_STATE_WRITE). */
  failures = 0;
  writes = 0;

  constructor(
    readonly dir: string,
    private readonly source: () => PlaneSnapshot,
    private readonly log: Logger,
    private readonly debounceMs = 250,
  ) {
    this.file = join(dir, DNS_STATE_FILE);
  }

  /** Reads the saved snapshot; missing → undefined; unusable → moved aside, logged, undefined. */
  async load(): Promise<PlaneSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: PlaneSnapshot | string;
    try {
      parsed = parsePlaneSnapshot(JSON.parse(text));
    } catch (err) {
      parsed = `not JSON: ${(err as Error).message}`;
    }
    if (typeof parsed === 'string') {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside).catch(() => {});
      this.log.error({ event: 'state_corrupt', code: 'E_DNS_STATE_CORRUPT', file: this.file, movedTo: aside, problem: parsed }, 'state file unusable: starting without saved state');
      return undefined;
    }
    return parsed;
  }

  /** Writes the newest snapshot now (crash-safe) and resolves once it is on disk. Never rejects. */
  durable(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const next = this.chain.then(() => this.write());
    this.chain = next;
    return next;
  }

  /** Asks for a write within debounceMs. */
  soon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.durable();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Flushes a pending write (shutdown). */
  async close(): Promise<void> {
    await this.durable();
  }

  private async write(): Promise<void> {
    const snap = this.source();
    const body = JSON.stringify({ ...snap, savedAt: 0 });
    if (body === this.lastBody) return;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(snap));
      this.lastBody = body;
      this.writes++;
    } catch (err) {
      this.failures++;
      this.log.error(
        { event: 'state_write_failed', code: 'E_DNS_STATE_WRITE', file: this.file, err: (err as Error).message },
        `cannot write state file ${this.file}: ${(err as Error).message}; check --state-dir permissions and free space`,
      );
    }
  }
}
