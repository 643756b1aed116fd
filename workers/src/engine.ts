/**
 * The Worker's state machine over a {@link StateStore}: folds verified probe
 * reports into the decision state, re-runs core's decide() when the table
 * is older than `refreshMs` (staleness and fail-static depend on time
 * alone), and hands out the current policy and table to the routes.
 *
 * Every write is a compare-and-set: read, compute, write if nobody wrote in
 * between, else read again and redo. Ranking, verdicts and fallback are
 * core's; nothing here decides anything.
 */
import { decide, ingestWithStats, initialState, policyHash, replayRefusal, tableForPolicy } from '@edgesteer/core';
import type { Observation, ProbeKeys, ReportProblem, ReportRejectReason, RoutingTable } from '@edgesteer/core';
import { receiveReport, UploadSlots, withStatus, type RequestLike } from '@edgesteer/http-kit';
import type { Policy } from '@edgesteer/policy/neutral';
import type { WorkerErrorCode } from './errors.js';
import type { WorkerLogger } from './log.js';
import { silentLogger } from './log.js';
import type { LoadedPolicy, PolicySource } from './policy-source.js';
import { checkReplay } from './replay-memory.js';
import type { StateStore, WorkerSnapshot } from './state-store.js';

export interface EngineOptions {
  store: StateStore;
  policy: PolicySource;
  /** Injected clock (epoch ms). */
  clock: () => number;
  keys: ProbeKeys;
  /** Accepted |now - signing time| of a report. Default 300 s (the probes' and controller's). */
  windowMs?: number;
  /** Re-run decide() when the stored table is older than this. Default 1 s. */
  refreshMs?: number;
  /**
   * Reuse a snapshot read from the store for this long. 0 (default) reads
   * every time: right for the memory store; on Cloudflare a short cache
   * saves a Durable Object round trip per DNS query.
   */
  cacheMs?: number;
  /** Compare-and-set attempts before giving up with E_STATE_CONFLICT. Default 8. */
  maxAttempts?: number;
  /** Report body limit (bytes). Default 1 MiB. */
  maxReportBytes?: number;
  /** Report uploads read at once (per isolate / process); default http-kit's. */
  maxConcurrentUploads?: number;
  log?: WorkerLogger;
}

/** What the routes answer from. */
export interface EngineView {
  loaded: LoadedPolicy;
  table: RoutingTable;
  /** Null until the first report (the table is then core's assume-up table). */
  snapshot: WorkerSnapshot | null;
}

/** Why a report was refused: the controller's metric/reason labels, plus a lost compare-and-set race. */
export type RejectReason = ReportRejectReason | 'conflict';

export type { ReportProblem };

/** Outcome of one POST /v1/observations. */
export type IngestOutcome =
  | { ok: true; accepted: number; ignored: number; table: { version: number; hash: string } }
  | { ok: false; status: number; code: WorkerErrorCode; reason: RejectReason; message: string; problems?: ReportProblem[] };

const SNAPSHOT_FORMAT = 'edgesteer-worker-state/1' as const;

/** See module doc. */
export class WorkerEngine {
  private readonly store: StateStore;
  private readonly policySource: PolicySource;
  private readonly clock: () => number;
  private readonly keys: ProbeKeys;
  private readonly windowMs: number;
  private readonly refreshMs: number;
  private readonly cacheMs: number;
  private readonly maxAttempts: number;
  private readonly log: WorkerLogger;
  private readonly maxReportBytes: number;
  private readonly slots: UploadSlots;

  private cached: { snapshot: WorkerSnapshot | null; at: number } | undefined;
  /** Assume-up table and policy hash per policy object (a policy is immutable once loaded). */
  private readonly perPolicy = new WeakMap<Policy, { assumeUp: RoutingTable; hash: string }>();

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.policySource = opts.policy;
    this.clock = opts.clock;
    this.keys = opts.keys;
    this.windowMs = opts.windowMs ?? 300_000;
    this.refreshMs = opts.refreshMs ?? 1_000;
    this.cacheMs = opts.cacheMs ?? 0;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.log = opts.log ?? silentLogger();
    this.maxReportBytes = opts.maxReportBytes ?? 1024 * 1024;
    this.slots = new UploadSlots(opts.maxConcurrentUploads);
  }

  /** Kind of the backing store, for /healthz. */
  get storeKind(): string {
    return this.store.kind;
  }

  /** The policy source's last refresh problem, if any. */
  policyError(): string | undefined {
    return this.policySource.lastError();
  }

  /** The current policy and table, re-deciding first when the table is due. */
  async view(): Promise<EngineView> {
    const loaded = await this.policySource.get();
    const policy = loaded.policy;
    let snapshot = await this.readSnapshot(false);
    if (snapshot === null) return { loaded, table: this.assumeUp(policy), snapshot };
    const now = this.clock();
    const due = now - snapshot.table.generatedAt >= this.refreshMs || snapshot.table.policyHash !== this.forPolicy(policy).hash;
    if (due) snapshot = await this.redecide(policy, snapshot);
    return { loaded, table: snapshot.table, snapshot };
  }

  /**
   * Receives, verifies and folds one signed report request (http-kit's
   * receiveReport: headers and key id before the body, upload cap, size,
   * signature, schema, region binding). Every rejection leaves the stored
   * state untouched: the write is the last step and happens only on success.
   */
  async ingestReport(req: RequestLike): Promise<IngestOutcome> {
    const { policy } = await this.policySource.get();
    const now = this.clock();
    const checked = await receiveReport(req, { keys: this.keys, now, windowMs: this.windowMs, maxBytes: this.maxReportBytes, policy, slots: this.slots });
    if (!checked.ok) return this.reject(checked);
    const { report, signedAt } = checked;

    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const current = await this.readSnapshot(true);
      // Replay per key id (report.probe is the verified key id).
      const replay = checkReplay(current?.replay ?? {}, report.probe, report.seq, signedAt, now, this.windowMs);
      if (!replay.ok) return this.reject(withStatus(replayRefusal(replay.message)));
      // `now` bounds observation times: one stamped in the future would pin its link and make every real one after it look old.
      const { next, accepted, ignored, ignoredBy } = this.fold(policy, current, report.observations, now);
      next.replay = replay.next;
      next.stats = {
        reports: (current?.stats.reports ?? 0) + 1,
        observations: (current?.stats.observations ?? 0) + accepted,
        lastReportAt: now,
      };
      if (await this.store.compareAndSet(current?.rev ?? null, next)) {
        this.remember(next);
        if (ignored > 0) {
          this.log.warn({ event: 'observations_ignored', probe: report.probe, region: report.region, count: ignored, ...ignoredBy }, `${ignored} observation(s) from ${report.probe} not used`);
        }
        if (current?.table.hash !== next.table.hash) {
          this.log.info({ event: 'table_changed', version: next.table.version, hash: next.table.hash, probe: report.probe }, 'routing table changed');
        }
        return { ok: true, accepted, ignored, table: { version: next.table.version, hash: next.table.hash } };
      }
    }
    return this.reject({ status: 503, code: 'E_STATE_CONFLICT', reason: 'conflict', message: `state changed under us ${this.maxAttempts} times in a row; retry the report` });
  }

  /**
   * Refused reports by reason, in this isolate (a refusal never touches the
   * shared state, so the count is per isolate / per Node process).
   */
  readonly rejected: Partial<Record<RejectReason, number>> = {};

  /** Counts a report refused before it reached the engine (e.g. body too large). */
  countRejected(reason: RejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  private reject(r: Omit<Extract<IngestOutcome, { ok: false }>, 'ok'>): IngestOutcome {
    this.countRejected(r.reason);
    this.log.warn({ event: 'report_rejected', status: r.status, code: r.code, reason: r.reason, detail: r.message }, `report rejected: ${r.message}`);
    return { ok: false, ...r };
  }

  /** decide() over `current` (after folding `observations` as of `now`), as the next revision, with the ingest counts. */
  private fold(policy: Policy, current: WorkerSnapshot | null, observations: readonly Observation[], now: number) {
    const folded = ingestWithStats(current?.state ?? initialState(), policy, observations, { now });
    const decided = decide(policy, folded.state, now);
    const next: WorkerSnapshot = {
      format: SNAPSHOT_FORMAT,
      rev: (current?.rev ?? 0) + 1,
      state: decided.state,
      table: decided.table,
      replay: current?.replay ?? {},
      stats: current?.stats ?? { reports: 0, observations: 0 },
    };
    return { next, accepted: folded.accepted, ignored: folded.ignored, ignoredBy: folded.ignoredBy };
  }

  /** A time-driven decision cycle; if another writer wins, its (fresher) snapshot is used. */
  private async redecide(policy: Policy, snapshot: WorkerSnapshot): Promise<WorkerSnapshot> {
    let current: WorkerSnapshot | null = snapshot;
    for (let attempt = 0; attempt < this.maxAttempts && current; attempt++) {
      const { next } = this.fold(policy, current, [], this.clock());
      if (await this.store.compareAndSet(current.rev, next)) {
        this.remember(next);
        if (next.table.hash !== current.table.hash) {
          this.log.info({ event: 'table_changed', version: next.table.version, hash: next.table.hash, trigger: 'tick' }, 'routing table changed');
        }
        return next;
      }
      current = await this.readSnapshot(true);
      // Someone else just decided: their table is as fresh as ours would be.
      if (current && this.clock() - current.table.generatedAt < this.refreshMs) return current;
    }
    return current ?? snapshot;
  }

  private async readSnapshot(fresh: boolean): Promise<WorkerSnapshot | null> {
    const now = this.clock();
    if (!fresh && this.cached && now - this.cached.at < this.cacheMs) return this.cached.snapshot;
    const snapshot = await this.store.read();
    if (snapshot !== null && snapshot.format !== SNAPSHOT_FORMAT) {
      // A snapshot from an incompatible version: start over rather than misread it.
      this.log.warn({ event: 'state_format_unknown', format: (snapshot as { format?: unknown }).format }, 'stored state has an unknown format; starting from the assume-up state');
      return null;
    }
    this.cached = { snapshot, at: now };
    return snapshot;
  }

  private remember(snapshot: WorkerSnapshot): void {
    this.cached = { snapshot, at: this.clock() };
  }

  private forPolicy(policy: Policy): { assumeUp: RoutingTable; hash: string } {
    let entry = this.perPolicy.get(policy);
    if (!entry) {
      entry = { assumeUp: tableForPolicy(policy, this.clock()), hash: policyHash(policy) };
      this.perPolicy.set(policy, entry);
    }
    return entry;
  }

  private assumeUp(policy: Policy): RoutingTable {
    return this.forPolicy(policy).assumeUp;
  }
}
