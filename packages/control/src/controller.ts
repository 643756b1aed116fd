/**
 * The controller: policy + observations in, routing table out. This class
 * only wires the pieces that each do one job:
 *
 * - decision-cycle.ts  core's decide() and what changed
 * - timeline-recorder.ts  the failover timeline, change logs and counters
 * - gauges.ts  table, link and edge gauges
 * - probe-ledger.ts  per-probe records and recent observations
 * - table-publisher.ts  persist before publish (a restart never goes back)
 * - table-waiters.ts  table listeners and long polls
 * - snapshot.ts  the persisted state
 *
 * It never does I/O itself (HTTP, files and timers live in app.ts,
 * state-store.ts and server.ts), so it is driven directly in tests.
 */
import { randomUUID } from 'node:crypto';
import { ingestBatch, initialState } from '@edgesteer/core';
import type { Clock, DecisionState, Report, RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { Registry } from 'prom-client';
import type { TimelineEvent } from './changes.js';
import { runCycle, type DecisionTrigger } from './decision-cycle.js';
import { resetPolicyGauges, updateGauges } from './gauges.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { ProbeLedger, type ProbeRecord, type RecordedObservation } from './probe-ledger.js';
import { Ring } from './ring.js';
import { SNAPSHOT_FORMAT, type ControllerSnapshot } from './snapshot.js';
import { TablePublisher } from './table-publisher.js';
import { TableWaiters } from './table-waiters.js';
import { recordChanges } from './timeline-recorder.js';

export type { DecisionTrigger } from './decision-cycle.js';
export type { ProbeRecord, RecordedObservation } from './probe-ledger.js';

/** Result of folding one verified report into the state. */
export interface IngestResult {
  /** Observations folded into the state. */
  accepted: number;
  /** Observations core did not use (unknown edge/region, out of order, future). */
  ignored: number;
  /** The table decided after this report (published once its state is on disk). */
  table: { version: number; hash: string };
}

export interface ControllerOptions {
  policy: Policy;
  /** Where the policy came from (shown on /healthz). */
  policyFile?: string;
  clock?: Clock;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** State restored from disk; its table is kept if decide() reproduces the same hash. */
  restore?: ControllerSnapshot;
  /** Recent observations kept (memory, persistence, /v1/observations). Default 2000. */
  maxObservations?: number;
  /** Timeline entries kept. Default 200. */
  maxTimeline?: number;
}

type UpdateListener = (what: DecisionTrigger | 'policy-error') => void;

/** Controller (see module doc). */
export class Controller {
  readonly clock: Clock;
  readonly log: Logger;
  /** Series this controller updates (its own registry unless one was given). */
  readonly metrics: ControllerMetrics;
  readonly policyFile: string | undefined;
  readonly timeline: Ring<TimelineEvent>;
  /** Id of this state's history: table versions compare only within one epoch (followers check it). */
  readonly epoch: string;

  private _policy: Policy;
  private _state: DecisionState;
  private _policyErrors: string[] = [];
  private _policyLoadedAt: number;
  private _lastDecisionAt: number;
  private readonly ledger: ProbeLedger;
  private readonly waiters = new TableWaiters();
  private readonly publisher: TablePublisher;
  /** Durable observation timeline (observation-log.ts): every ingested report is appended when set. */
  observationLog: import('./observation-log.js').ObservationSink | undefined;
  private readonly updateListeners = new Set<UpdateListener>();

  constructor(opts: ControllerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger ?? silentLogger();
    this.metrics = opts.metrics ?? createControllerMetrics(new Registry());
    this.policyFile = opts.policyFile;
    this._policy = opts.policy;
    this.timeline = new Ring(opts.maxTimeline ?? 200);
    const now = this.clock();
    this._policyLoadedAt = now;
    this._lastDecisionAt = now;
    const restored = opts.restore;
    this.epoch = restored?.epoch ?? randomUUID();
    this.ledger = new ProbeLedger(opts.maxObservations ?? 2000, restored);
    if (restored) this.timeline.push(...restored.timeline);
    this._state = restored?.state ?? initialState();

    const first = runCycle(this._policy, this._state, restored?.table, 'start', now);
    this.metrics.decisions.inc({ trigger: 'start' });
    this._state = first.state;
    recordChanges(first, this.timeline, this.metrics, this.log);
    this.publisher = new TablePublisher({ initial: first.table, publish: (t) => this.onPublished(t) });
    updateGauges(this.metrics, this._policy, this._state, first.table);
    if (restored) {
      const same = restored.table.hash === first.table.hash;
      this.log.info(
        { event: 'state_restored', savedAt: restored.savedAt, epoch: this.epoch, version: first.table.version, hash: first.table.hash, sameHash: same },
        same ? 'state restored: same table' : 'state restored: table changed since save',
      );
    }
  }

  get policy(): Policy {
    return this._policy;
  }
  get state(): DecisionState {
    return this._state;
  }
  /** The table served now (published: its state is on disk). Its object only changes when its hash changes. */
  get table(): RoutingTable {
    return this.publisher.published;
  }
  get policyErrors(): readonly string[] {
    return this._policyErrors;
  }
  get policyLoadedAt(): number {
    return this._policyLoadedAt;
  }
  get lastDecisionAt(): number {
    return this._lastDecisionAt;
  }
  get lastReportAt(): number | undefined {
    return this.ledger.lastReportAt;
  }
  /** Probes that reported, by probe id. */
  get probes(): Readonly<Record<string, ProbeRecord>> {
    return this.ledger.probes;
  }
  /** Recent observations, oldest first. */
  get observations(): Ring<RecordedObservation> {
    return this.ledger.observations;
  }

  /**
   * Makes each new table wait for `persist` (a durable state write) before
   * it is published. Set by the process once its state store is attached.
   */
  persistBeforePublish(persist: () => Promise<void>): void {
    this.publisher.persist = persist;
  }

  /** Called with each published table (hash changed). Returns an unsubscribe function. */
  onTable(fn: (table: RoutingTable) => void): () => void {
    return this.waiters.on(fn);
  }

  /** Called after every decision cycle and policy event (dashboards, persistence). */
  onUpdate(fn: UpdateListener): () => void {
    this.updateListeners.add(fn);
    return () => this.updateListeners.delete(fn);
  }

  /**
   * Folds a report that has already been authenticated into the state and
   * decides at once. Core drops observations it cannot use (edge or region
   * not in the policy — a probe may run an older policy during a rollout —,
   * out of order, or stamped too far in the future); they are counted.
   */
  ingestReport(report: Report, signedAt: number = report.sentAt): IngestResult {
    return this.ingestReports([{ report, signedAt }]);
  }

  /**
   * Folds several authenticated reports as one batch (core's ingestBatch)
   * and decides once: a probe backlog delivered after an outage publishes
   * one table, where the history ends, never the moments in between.
   */
  ingestReports(batch: ReadonlyArray<{ report: Report; signedAt: number }>): IngestResult {
    const now = this.clock();
    const stats = ingestBatch(this._state, this._policy, batch.map((b) => b.report), { now });
    this._state = stats.state;
    for (const [reason, n] of Object.entries(stats.ignoredBy)) if (n > 0) this.metrics.observationsIgnored.inc({ reason: reason.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`) }, n);
    if (stats.ignored > 0) {
      const probes = [...new Set(batch.map((b) => b.report.probe))].join(',');
      this.log.warn({ event: 'observations_ignored', probe: probes, region: batch[0]?.report.region, ...stats.ignoredBy }, `${stats.ignored} observation(s) from ${probes} not used`);
    }
    for (const b of batch) this.observationLog?.append(b.report.observations.map((o) => ({ ...o, probe: b.report.probe, receivedAt: now })));
    for (const b of batch) this.ledger.record(b.report, b.signedAt, { accepted: batch.length === 1 ? stats.accepted : b.report.observations.length }, now, this._policy, this.metrics);
    const decided = this.cycle('report');
    return { accepted: stats.accepted, ignored: stats.ignored, table: { version: decided.version, hash: decided.hash } };
  }

  /** Re-evaluates with no new input: staleness and fail-static depend on time alone. */
  tick(): void {
    this.cycle('tick');
  }

  /** Resolves once every decided table is published (its state written). */
  published(): Promise<void> {
    return this.publisher.idle();
  }

  /** Switches to a new (valid) policy and decides at once. */
  applyPolicy(policy: Policy, warnings: readonly string[] = []): void {
    const hadErrors = this._policyErrors.length > 0;
    this._policy = policy;
    this._policyErrors = [];
    this._policyLoadedAt = this.clock();
    resetPolicyGauges(this.metrics);
    this.metrics.policyReloads.inc({ result: 'applied' });
    const before = this.publisher.decided.policyHash;
    const after = this.cycle('reload');
    const message = before === after.policyHash && !hadErrors ? 'policy reloaded (no effective change)' : 'policy reloaded';
    this.timeline.push({ kind: 'policy', at: this.clock(), result: 'applied', message });
    this.log.info({ event: 'policy_reloaded', policyFile: this.policyFile, policyHash: after.policyHash, warnings }, message);
    for (const w of warnings) this.log.warn({ event: 'policy_warning', policyFile: this.policyFile, problem: w }, w);
    this.emitUpdate('reload');
  }

  /** Counts a reload attempt that found nothing to do. */
  countReload(result: 'unchanged'): void {
    this.metrics.policyReloads.inc({ result });
  }

  /** Records that a new policy failed to load; the current policy keeps serving. */
  rejectPolicy(problems: readonly string[]): void {
    this._policyErrors = [...problems];
    this.metrics.policyReloads.inc({ result: 'invalid' });
    for (const p of problems) this.log.error({ event: 'policy_invalid', policyFile: this.policyFile, problem: p }, p);
    this.log.error(
      { event: 'policy_rejected', policyFile: this.policyFile, errors: problems.length, policyHash: this.table.policyHash },
      `policy rejected (${problems.length} problem${problems.length === 1 ? '' : 's'}): keeping the previous policy`,
    );
    this.timeline.push({ kind: 'policy', at: this.clock(), result: 'invalid', message: problems[0] ?? 'policy rejected' });
    this.emitUpdate('policy-error');
  }

  /**
   * Resolves with the table once its hash differs from `hash`, or with
   * undefined after `timeoutMs` or when `signal` aborts (long-poll).
   */
  waitForTableChange(hash: string, timeoutMs: number, signal?: AbortSignal): Promise<RoutingTable | undefined> {
    return this.waiters.waitForChange(this.table, hash, timeoutMs, signal);
  }

  /** Everything needed to resume after a restart (plain JSON): the newest decided table and its state. */
  snapshot(): ControllerSnapshot {
    const table = this.publisher.decided;
    return {
      format: SNAPSHOT_FORMAT,
      savedAt: this.clock(),
      epoch: this.epoch,
      policyHash: table.policyHash,
      state: this._state,
      table,
      observations: this.ledger.observations.toArray(),
      timeline: this.timeline.toArray(),
      lastReportAt: this.ledger.lastReportAt,
      probes: { ...this.ledger.probes },
    };
  }

  /** One decision cycle; returns the newest decided table (published once durable). */
  private cycle(trigger: DecisionTrigger): RoutingTable {
    const now = this.clock();
    const r = runCycle(this._policy, this._state, this.publisher.decided, trigger, now);
    this._state = r.state;
    this._lastDecisionAt = now;
    this.metrics.decisions.inc({ trigger });
    recordChanges(r, this.timeline, this.metrics, this.log);
    if (r.changed) {
      this.metrics.tableChanges.inc();
      void this.publisher.offer(r.table);
    }
    updateGauges(this.metrics, this._policy, this._state, this.table);
    if (trigger !== 'reload') this.emitUpdate(trigger);
    return r.table;
  }

  private onPublished(table: RoutingTable): void {
    updateGauges(this.metrics, this._policy, this._state, table);
    this.waiters.emit(table);
  }

  private emitUpdate(what: DecisionTrigger | 'policy-error'): void {
    for (const fn of this.updateListeners) {
      try {
        fn(what);
      } catch (err) {
        this.log.error({ event: 'listener_failed', err }, 'update listener threw');
      }
    }
  }
}
