/**
 * The controller's state machine: policy + observations in, routing table
 * out. It owns the decision state and runs core's decide() on every change
 * and on every tick; it never does I/O itself (HTTP, files and timers live
 * in app.ts, state-store.ts and server.ts), so it is driven directly in tests.
 */
import { decide, ingestWithStats, initialState } from '@edgesteer/core';
import type { Clock, DecisionState, Observation, Report, RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { diffAnswers, diffVerdicts, type TimelineEvent } from './changes.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { Registry } from 'prom-client';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { Ring } from './ring.js';
import type { ControllerSnapshot } from './snapshot.js';

/** What started a decision cycle (the `trigger` label of the decisions counter). */
export type DecisionTrigger = 'start' | 'report' | 'tick' | 'reload';

/** An observation as kept in the recent-observations buffer. */
export interface RecordedObservation extends Observation {
  probe: string;
}

/** What the controller remembers about each probe that reported. */
export interface ProbeRecord {
  region: string;
  /** Highest accepted report sequence number. */
  seq: number;
  /** Signing time of that report (epoch ms), for re-arming replay protection after a restart. */
  signedAt: number;
  /** Receive time of the last accepted report (controller clock). */
  lastReportAt: number;
  observations: number;
}

/** Result of folding one verified report into the state. */
export interface IngestResult {
  /** Observations folded into the state. */
  accepted: number;
  /** Observations core did not use (unknown edge/region, out of order, future). */
  ignored: number;
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

type TableListener = (table: RoutingTable) => void;
type UpdateListener = (what: DecisionTrigger | 'policy-error') => void;

/** Controller state machine (see module doc). */
export class Controller {
  readonly clock: Clock;
  readonly log: Logger;
  /** Series this controller updates (its own registry unless one was given). */
  readonly metrics: ControllerMetrics;

  private _policy: Policy;
  private _state: DecisionState;
  private _table: RoutingTable;
  private _policyErrors: string[] = [];
  private _policyLoadedAt: number;
  private _lastDecisionAt: number;
  private _lastReportAt: number | undefined;
  readonly policyFile: string | undefined;
  readonly observations: Ring<RecordedObservation>;
  readonly timeline: Ring<TimelineEvent>;
  private _probes: Record<string, ProbeRecord> = {};
  /** Durable observation timeline (observation-log.ts): every ingested report is appended when set. */
  observationLog: import('./observation-log.js').ObservationSink | undefined;

  private readonly tableListeners = new Set<TableListener>();
  private readonly updateListeners = new Set<UpdateListener>();

  constructor(opts: ControllerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger ?? silentLogger();
    this.metrics = opts.metrics ?? createControllerMetrics(new Registry());
    this.policyFile = opts.policyFile;
    this._policy = opts.policy;
    this.observations = new Ring(opts.maxObservations ?? 2000);
    this.timeline = new Ring(opts.maxTimeline ?? 200);
    const now = this.clock();
    this._policyLoadedAt = now;
    this._lastDecisionAt = now;

    const restored = opts.restore;
    if (restored) {
      this._state = restored.state;
      this.observations.push(...restored.observations);
      this.timeline.push(...restored.timeline);
      this._lastReportAt = restored.lastReportAt;
      this._probes = { ...restored.probes };
    } else {
      this._state = initialState();
    }
    // Without a restored table this is unset only until cycle('start') below, which always assigns one.
    this._table = restored?.table ?? (undefined as unknown as RoutingTable);
    this.cycle('start');
    if (restored) {
      const same = restored.table.hash === this._table.hash;
      this.log.info(
        { event: 'state_restored', savedAt: restored.savedAt, version: this._table.version, hash: this._table.hash, sameHash: same },
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
  /** The table served now. Its object only changes when its hash changes. */
  get table(): RoutingTable {
    return this._table;
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
    return this._lastReportAt;
  }
  /** Probes that reported, by probe id. */
  get probes(): Readonly<Record<string, ProbeRecord>> {
    return this._probes;
  }

  /** Called with the new table each time the table hash changes. Returns an unsubscribe function. */
  onTable(fn: TableListener): () => void {
    this.tableListeners.add(fn);
    return () => this.tableListeners.delete(fn);
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
    const now = this.clock();
    const stats = ingestWithStats(this._state, this._policy, report.observations, { now });
    this._state = stats.state;
    for (const [reason, n] of Object.entries(stats.ignoredBy)) if (n > 0) this.metrics.observationsIgnored.inc({ reason: reason.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`) }, n);
    if (stats.ignored > 0) {
      this.log.warn({ event: 'observations_ignored', probe: report.probe, region: report.region, ...stats.ignoredBy }, `${stats.ignored} observation(s) from ${report.probe} not used`);
    }
    // Label values come from the policy only, so a probe cannot grow the series set.
    const edges = new Set(this._policy.edges.map((e) => e.id));
    for (const o of report.observations) if (edges.has(o.edge)) this.metrics.observations.inc({ edge: o.edge, region: report.region, ok: String(o.ok) });
    this.observations.push(...report.observations.map((o) => ({ ...o, probe: report.probe })));
    this.observationLog?.append(report.observations.map((o) => ({ ...o, probe: report.probe, receivedAt: now })));
    this._lastReportAt = now;
    const prev = this._probes[report.probe];
    this._probes[report.probe] = {
      region: report.region,
      seq: Math.max(report.seq, prev?.seq ?? -1),
      signedAt: Math.max(signedAt, prev?.signedAt ?? 0),
      lastReportAt: now,
      observations: (prev?.observations ?? 0) + stats.accepted,
    };
    this.metrics.reportsAccepted.inc({ probe: report.probe });
    this.cycle('report');
    return { accepted: stats.accepted, ignored: stats.ignored, table: { version: this._table.version, hash: this._table.hash } };
  }

  /** Re-evaluates with no new input: staleness and fail-static depend on time alone. */
  tick(): void {
    this.cycle('tick');
  }

  /** Switches to a new (valid) policy and decides at once. */
  applyPolicy(policy: Policy, warnings: readonly string[] = []): void {
    const hadErrors = this._policyErrors.length > 0;
    this._policy = policy;
    this._policyErrors = [];
    this._policyLoadedAt = this.clock();
    // Edges or regions may have disappeared: drop their series instead of freezing them.
    this.metrics.linkRtt.reset();
    this.metrics.linkUp.reset();
    this.metrics.edgeUp.reset();
    this.metrics.edgeDrained.reset();
    this.metrics.policyReloads.inc({ result: 'applied' });
    const before = this._table.policyHash;
    this.cycle('reload');
    const message = before === this._table.policyHash && !hadErrors ? 'policy reloaded (no effective change)' : 'policy reloaded';
    this.timeline.push({ kind: 'policy', at: this.clock(), result: 'applied', message });
    this.log.info({ event: 'policy_reloaded', policyFile: this.policyFile, policyHash: this._table.policyHash, warnings }, message);
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
      { event: 'policy_rejected', policyFile: this.policyFile, errors: problems.length, policyHash: this._table.policyHash },
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
    if (this._table.hash !== hash) return Promise.resolve(this._table);
    return new Promise((resolve) => {
      const done = (t: RoutingTable | undefined) => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve(t);
      };
      const onAbort = () => done(undefined);
      const off = this.onTable((t) => done(t));
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Everything needed to resume after a restart (plain JSON). */
  snapshot(): ControllerSnapshot {
    return {
      format: 'edgesteer-controller-state/1',
      savedAt: this.clock(),
      policyHash: this._table.policyHash,
      state: this._state,
      table: this._table,
      observations: this.observations.toArray(),
      timeline: this.timeline.toArray(),
      lastReportAt: this._lastReportAt,
      probes: this._probes,
    };
  }

  private cycle(trigger: DecisionTrigger): void {
    const now = this.clock();
    const prevState = this._state;
    const prevTable: RoutingTable | undefined = this._table;
    const { table, state } = decide(this._policy, this._state, now);
    this._state = state;
    this._lastDecisionAt = now;
    this.metrics.decisions.inc({ trigger });

    for (const v of diffVerdicts(prevState, state, now)) {
      this.timeline.push(v);
      this.metrics.verdictChanges.inc({ edge: v.edge, to: v.to });
      const log = v.to === 'down' ? this.log.warn.bind(this.log) : this.log.info.bind(this.log);
      log({ event: 'verdict_changed', edge: v.edge, from: v.from, to: v.to, reason: v.reason }, `edge ${v.edge} ${v.to}: ${v.reason}`);
    }

    const changed = !prevTable || prevTable.hash !== table.hash;
    if (changed) {
      // After a restore the saved table counts as "previous", so a restart is not reported as a failover.
      for (const a of diffAnswers(prevTable, table, state, trigger, now)) {
        this.timeline.push(a);
        this.metrics.answerChanges.inc({ service: a.service, region: a.region });
        this.log.warn(
          { event: 'answer_changed', service: a.service, region: a.region, from: a.from, to: a.to, mode: a.toMode, reason: a.reason, version: table.version },
          `${a.service} in ${a.region}: ${a.from.join(',') || '-'} -> ${a.to.join(',') || '-'} (${a.reason})`,
        );
      }
      this._table = table;
      if (prevTable) this.metrics.tableChanges.inc();
    }
    this.updateGauges();
    if (changed) for (const fn of this.tableListeners) fn(this._table);
    if (trigger !== 'reload') this.emitUpdate(trigger);
  }

  private updateGauges(): void {
    const m = this.metrics;
    m.tableVersion.set(this._table.version);
    m.tableGenerated.set(this._table.generatedAt / 1000);
    for (const [key, link] of Object.entries(this._state.links)) {
      const [region, edge] = key.split('|') as [string, string];
      m.linkUp.set({ edge, region }, link.up ? 1 : 0);
      if (link.rttMs !== undefined) m.linkRtt.set({ edge, region }, link.rttMs / 1000);
    }
    for (const e of this._policy.edges) {
      m.edgeUp.set({ edge: e.id }, this._table.edges[e.id]?.up === false ? 0 : 1);
      m.edgeDrained.set({ edge: e.id }, e.drain ? 1 : 0);
    }
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
