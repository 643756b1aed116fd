/**
 * Follows the controller's routing table over HTTP:
 *
 * - `GET {controller}/v1/table` → 200 with the RoutingTable JSON and an ETag;
 *   with `If-None-Match: <etag>` an unchanged table is a 304.
 * - Long poll: `GET {controller}/v1/table?wait=<etag>` is held by the
 *   controller until the table changes (200) or its wait ends (304). When a
 *   controller answers such a request with 304 at once, it does not
 *   long-poll; we then poll every `pollIntervalMs`.
 *
 * On any failure the last good table stays in service; the failure is logged
 * when it starts and staleness is logged every `staleLogIntervalMs` until the
 * controller is back.
 */
import type { RoutingTable } from '@edgesteer/core';
import type { Logger } from 'pino';

/** What the controller says about a table besides its content. */
export interface TableMeta {
  /** The controller's state history id (header x-edgesteer-epoch): versions compare only within one. */
  epoch: string | undefined;
}

/** Response header carrying the controller's epoch. */
export const EPOCH_HEADER = 'x-edgesteer-epoch';

export interface TableFollowerOptions {
  /** Controller base URL, e.g. http://127.0.0.1:8080. */
  controller: string;
  /** A table arrived; returns false when it was refused (older than the one served). */
  onTable: (table: RoutingTable, meta: TableMeta) => unknown;
  log: Logger;
  /** Between polls when the controller does not long-poll (default 2000). */
  pollIntervalMs?: number;
  /** Client-side bound on one long poll (default 65 s; the controller should answer sooner). */
  longPollTimeoutMs?: number;
  /** Log staleness this often while the controller is unreachable (default 30 s). */
  staleLogIntervalMs?: number;
  /** Upper bound of the retry backoff (default 10 s). */
  maxBackoffMs?: number;
}

/** True when `x` looks like a RoutingTable (structure only; the plane tolerates missing services). */
export function isRoutingTable(x: unknown): x is RoutingTable {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return (
    typeof t['version'] === 'number' &&
    typeof t['hash'] === 'string' &&
    typeof t['services'] === 'object' && t['services'] !== null &&
    typeof t['generatedAt'] === 'number'
  );
}

/** A response that answered a long poll this fast was not held: the controller does not long-poll. */
const NOT_HELD_MS = 500;

export class TableFollower {
  private stopped = false;
  private etag: string | undefined;
  private longPoll = true;
  private abort: AbortController | undefined;
  private staleTimer: ReturnType<typeof setInterval> | undefined;
  private sleepTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  /** Last successful contact (epoch ms), 0 = never. */
  lastSyncAt = 0;
  /** Last failure, cleared on success. */
  lastError: string | undefined;
  private failing = false;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: TableFollowerOptions) {}

  private url(wait: boolean): string {
    const base = this.opts.controller.replace(/\/+$/, '');
    return wait && this.etag !== undefined ? `${base}/v1/table?wait=${encodeURIComponent(this.etag)}` : `${base}/v1/table`;
  }

  /** Starts following (returns at once). */
  start(): void {
    const every = this.opts.staleLogIntervalMs ?? 30_000;
    this.staleTimer = setInterval(() => this.logStaleness(), every);
    this.staleTimer.unref();
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    if (this.staleTimer) clearInterval(this.staleTimer);
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
  }

  /** True when the last contact is older than the stale-log interval (or there never was one). */
  isStale(now = Date.now()): boolean {
    const bound = this.opts.staleLogIntervalMs ?? 30_000;
    return now - (this.lastSyncAt || this.startedAt) > bound;
  }

  private logStaleness(): void {
    if (!this.failing) return;
    const now = Date.now();
    this.opts.log.warn(
      {
        event: 'table_stale',
        code: 'E_DNS_TABLE_STALE',
        controller: this.opts.controller,
        lastSyncAgoMs: this.lastSyncAt ? now - this.lastSyncAt : null,
        error: this.lastError,
      },
      'controller unreachable: still serving the last good routing table',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
      this.sleepTimer.unref();
    });
  }

  private async loop(): Promise<void> {
    const pollMs = this.opts.pollIntervalMs ?? 2000;
    const maxBackoff = this.opts.maxBackoffMs ?? 10_000;
    let backoff = pollMs;
    let quick304 = 0;
    while (!this.stopped) {
      // After a failure, ask once without waiting: a restarted controller with an
      // unchanged table would otherwise hold the long poll (up to 25 s) before
      // the server can tell it is back in touch.
      const wait = this.longPoll && this.etag !== undefined && !this.failing;
      this.abort = new AbortController();
      const timeout = setTimeout(() => this.abort?.abort(), wait ? (this.opts.longPollTimeoutMs ?? 65_000) : 10_000);
      const started = Date.now();
      try {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (this.etag !== undefined) headers['if-none-match'] = this.etag;
        const res = await fetch(this.url(wait), { headers, signal: this.abort.signal });
        if (res.status === 304) {
          await res.body?.cancel();
          this.ok();
          if (wait && Date.now() - started < NOT_HELD_MS) {
            if (++quick304 >= 2 && this.longPoll) {
              this.longPoll = false;
              this.opts.log.info({ event: 'controller_polling', controller: this.opts.controller, pollIntervalMs: pollMs }, 'controller does not hold long polls; polling instead');
            }
          } else {
            quick304 = 0;
          }
        } else if (res.ok) {
          const body: unknown = await res.json();
          const table = isRoutingTable(body) ? body : isRoutingTable((body as { table?: unknown } | null)?.table) ? (body as { table: RoutingTable }).table : undefined;
          if (!table) throw new Error(`GET /v1/table returned JSON that is not a routing table`);
          this.ok();
          // Even a refused (older) table's tag: the long poll then waits for the controller's next table.
          this.etag = res.headers.get('etag') ?? undefined;
          this.opts.onTable(table, { epoch: res.headers.get(EPOCH_HEADER) ?? undefined });
        } else {
          await res.body?.cancel();
          throw new Error(`GET /v1/table returned HTTP ${res.status}`);
        }
        backoff = pollMs;
        if (!this.longPoll || this.etag === undefined) await this.sleep(pollMs);
      } catch (err) {
        if (this.stopped) break;
        this.fail(err);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      } finally {
        clearTimeout(timeout);
      }
    }
  }

  private ok(): void {
    this.lastSyncAt = Date.now();
    if (this.failing) {
      this.opts.log.info({ event: 'controller_reachable', controller: this.opts.controller }, 'controller reachable again');
    }
    this.failing = false;
    this.lastError = undefined;
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    if (!this.failing) {
      this.opts.log.warn(
        { event: 'controller_unreachable', code: 'E_DNS_CONTROLLER', controller: this.opts.controller, error: message },
        'cannot fetch the routing table from the controller; serving the last good table',
      );
    }
    this.failing = true;
    this.lastError = message;
  }
}
