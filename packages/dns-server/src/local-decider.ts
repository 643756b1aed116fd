/**
 * The DNS server's own brain: it folds the probes' signed reports into a
 * decision state and runs core's decide(), as the Worker and the controller
 * do, so it follows every failover with no controller at all.
 *
 * - Batches: reports that arrive while a cycle runs (or in the same event
 *   loop turn) are ingested as one (core's ingestBatch) and decided once;
 *   a probe's backlog after an outage never publishes tables for moments
 *   in between.
 * - Persist before publish: when a cycle changes the table, the state is
 *   written (fsync, rename) before the table is handed to the answer plane,
 *   so a SIGKILL at any moment restarts on a table at least as new as the
 *   one clients last saw. Other changes are written soon after (debounced).
 * - Sync: `unsynced` from start until fresh data from quorum regions is in
 *   (core's syncStatus); `stale` when a plane that was synced has lost it.
 *   With policy health.unsynced = servfail, steered names answer SERVFAIL
 *   until the first sync (the plane is told with hold = true).
 *
 * Never reads the clock itself (injected) and never does I/O itself
 * (persistence is injected), so tests drive it directly.
 */
import { decide, ingestBatch, initialState, syncStatus, type DecisionState, type Report, type RoutingTable, type SyncStatus } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { Logger } from 'pino';
import { DNS_STATE_FORMAT, type PlaneSnapshot, type ProbeSeen } from './plane-state.js';

/** Where the decider's state goes (PlaneStateFile, or nothing). */
export interface StatePersistence {
  durable(): Promise<void>;
  soon(): void;
}

export interface LocalDeciderOptions {
  policy: Policy;
  clock: () => number;
  log: Logger;
  /** Saved state to resume from. */
  restore?: PlaneSnapshot | undefined;
  persistence?: StatePersistence | undefined;
  /** Hands a new table (and whether steered names must be held) to the answer plane. */
  publish: (table: RoutingTable, hold: boolean) => void;
  /** Fresh random id for a new history (epoch). */
  newEpoch: () => string;
}

/** Outcome of one accepted report. */
export interface SubmitResult {
  /** Observations used / not used by the batch this report was ingested in. */
  accepted: number;
  ignored: number;
  /** Reports in that batch. */
  batch: number;
  table: { version: number; hash: string };
}

export type PlaneStatus = 'ok' | 'unsynced' | 'stale';

type Pending = { report: Report; signedAt: number; resolve: (r: SubmitResult) => void };

/** See module doc. */
export class LocalDecider {
  private _policy: Policy;
  private _state: DecisionState;
  private _table: RoutingTable;
  private _hold: boolean;
  private _sync: SyncStatus;
  private everSynced = false;
  readonly epoch: string;
  /** Per probe id: last accepted seq and signing time (replay memory to persist). */
  readonly probes: Record<string, ProbeSeen>;
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;
  private scheduled = false;
  /** Decision cycles run, and tables published, since start. */
  cycles = 0;
  published = 0;

  private readonly opts: LocalDeciderOptions;

  constructor(opts: LocalDeciderOptions) {
    this.opts = { ...opts };
    this._policy = opts.policy;
    const r = opts.restore;
    this.epoch = r?.epoch ?? opts.newEpoch();
    this.probes = { ...(r?.probes ?? {}) };
    const now = opts.clock();
    const d = decide(opts.policy, r?.state ?? initialState(), now);
    this._state = d.state;
    this._table = d.table;
    // A restored table is what clients last saw: never come back with a lower version (or the same one for other content).
    if (r && d.table.hash !== r.table.hash && d.table.version <= r.table.version) {
      this._table = { ...d.table, version: r.table.version + 1 };
      this._state = { ...this._state, version: r.table.version + 1 };
    }
    this._sync = syncStatus(opts.policy, this._state, now);
    if (this._sync.synced) this.everSynced = true;
    this._hold = this.holdNow();
    opts.log.info(
      { event: r ? 'state_restored' : 'state_new', epoch: this.epoch, version: this._table.version, hash: this._table.hash, synced: this._sync.synced, hold: this._hold, savedAt: r?.savedAt },
      r ? 'decision state restored' : 'no saved decision state: starting from assume-up',
    );
  }

  get policy(): Policy {
    return this._policy;
  }
  get table(): RoutingTable {
    return this._table;
  }
  get state(): DecisionState {
    return this._state;
  }
  /** Steered names answer SERVFAIL (unsynced with health.unsynced: servfail). */
  get hold(): boolean {
    return this._hold;
  }
  get sync(): SyncStatus {
    return this._sync;
  }

  /** ok, unsynced (never had quorum data since start) or stale (had it, lost it). */
  status(): PlaneStatus {
    if (!this.everSynced) return 'unsynced';
    return this._sync.synced ? 'ok' : 'stale';
  }

  /** Everything needed to resume (plain JSON). */
  snapshot(): PlaneSnapshot {
    return { format: DNS_STATE_FORMAT, savedAt: this.opts.clock(), epoch: this.epoch, state: this._state, table: this._table, probes: this.probes };
  }

  /** Queues an authenticated report; resolves after the cycle that ingests it has published. */
  submit(report: Report, signedAt: number): Promise<SubmitResult> {
    const prev = this.probes[report.probe];
    this.probes[report.probe] = { seq: Math.max(report.seq, prev?.seq ?? -1), signedAt: Math.max(signedAt, prev?.signedAt ?? 0) };
    return new Promise((resolve) => {
      this.pending.push({ report, signedAt, resolve });
      this.schedule();
    });
  }

  /** A time-driven cycle (staleness, fail-static). */
  tick(): Promise<void> {
    return this.enqueueCycle();
  }

  /** Switches policy and decides at once. */
  setPolicy(policy: Policy): Promise<void> {
    this._policy = policy;
    return this.enqueueCycle();
  }

  /** Sets where the state goes (after construction: the store reads this decider's snapshot). */
  attachPersistence(p: StatePersistence): void {
    this.opts.persistence = p;
    // The state we start from (restored, or fresh with a new epoch) goes to disk before any new table.
    void p.durable();
  }

  /** Waits for queued work (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.pending.length > 0 || this.scheduled) await (this.running ?? new Promise((r) => setImmediate(r)));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // Same event-loop turn: every report already read joins this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.enqueueCycle();
    });
  }

  private enqueueCycle(): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.cycle();
      } catch (err) {
        this.opts.log.error({ event: 'decision_failed', code: 'E_DNS_DECIDE', err }, 'decision cycle failed; keeping the current table');
      }
    };
    const next = (this.running ?? Promise.resolve()).then(run);
    this.running = next;
    void next.then(() => {
      if (this.running === next) this.running = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    return next;
  }

  private async cycle(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const now = this.opts.clock();
    const policy = this._policy;
    const ingested = batch.length > 0 ? ingestBatch(this._state, policy, batch.map((p) => p.report), { now }) : undefined;
    const d = decide(policy, ingested?.state ?? this._state, now);
    this.cycles++;
    this._state = d.state;
    this._sync = syncStatus(policy, d.state, now);
    if (this._sync.synced && !this.everSynced) {
      this.everSynced = true;
      this.opts.log.info({ event: 'plane_synced', freshRegions: this._sync.freshRegions, needed: this._sync.needed, version: d.table.version }, 'fresh data from quorum regions: in sync');
    }
    const hold = this.holdNow();
    const hashChanged = d.table.hash !== this._table.hash;
    // Never publish a lower version than the one served (a restored table can be ahead of the state).
    let table = this._table;
    if (hashChanged) table = d.table.version > this._table.version ? d.table : { ...d.table, version: this._table.version + 1 };
    if (table.version !== d.state.version && !(hold && this._hold)) this._state = { ...this._state, version: table.version, hash: table.hash };
    if (hold && this._hold) {
      // Held (unsynced, servfail): nothing is served from a table yet, so none is published — the
      // decisions of a partial catch-up never become a table; the first one published is the synced one.
      this._state = d.state;
      this.opts.persistence?.soon();
    } else if (hashChanged || hold !== this._hold) {
      this._table = table;
      this._hold = hold;
      // Persist before publish: a restart must never serve an older table than this one.
      if (this.opts.persistence) await this.opts.persistence.durable();
      this.opts.publish(table, hold);
      this.published++;
      if (batch.length > 1) this.opts.log.info({ event: 'batch_decided', reports: batch.length, version: table.version }, `${batch.length} reports ingested as one batch`);
    } else {
      this.opts.persistence?.soon();
    }
    if (ingested && ingested.ignored > 0) {
      this.opts.log.warn({ event: 'observations_ignored', ...ingested.ignoredBy }, `${ingested.ignored} observation(s) not used (unknown, out of order or from the future)`);
    }
    // Counts are per batch (a report's share is not separable once ingested together); exact for a batch of one.
    const result = { accepted: ingested?.accepted ?? 0, ignored: ingested?.ignored ?? 0, batch: batch.length, table: { version: this._table.version, hash: this._table.hash } };
    for (const p of batch) p.resolve(result);
  }

  private holdNow(): boolean {
    return this._policy.health.unsynced === 'servfail' && !this.everSynced;
  }
}
