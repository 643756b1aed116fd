/**
 * What the controller remembers about reports: per probe (last seq and
 * signing time for replay protection across restarts, counts, last report
 * time) and a bounded buffer of recent observations (dashboard,
 * GET /v1/observations, persistence).
 */
import type { IngestResult as CoreIngestResult, Observation, Report } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { ControllerMetrics } from './metrics.js';
import { Ring } from './ring.js';

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

/** Per-probe records and recent observations (see module doc). */
export class ProbeLedger {
  readonly observations: Ring<RecordedObservation>;
  private _probes: Record<string, ProbeRecord>;
  lastReportAt: number | undefined;

  constructor(maxObservations: number, restore?: { observations: RecordedObservation[]; probes: Record<string, ProbeRecord>; lastReportAt: number | undefined }) {
    this.observations = new Ring(maxObservations);
    this._probes = { ...(restore?.probes ?? {}) };
    if (restore) {
      this.observations.push(...restore.observations);
      this.lastReportAt = restore.lastReportAt;
    }
  }

  get probes(): Readonly<Record<string, ProbeRecord>> {
    return this._probes;
  }

  /** Records an ingested report and counts its observations (labels from the policy only). */
  record(report: Report, signedAt: number, stats: Pick<CoreIngestResult, 'accepted'>, now: number, policy: Policy, metrics: ControllerMetrics): void {
    const edges = new Set(policy.edges.map((e) => e.id));
    for (const o of report.observations) if (edges.has(o.edge)) metrics.observations.inc({ edge: o.edge, region: report.region, ok: String(o.ok) });
    this.observations.push(...report.observations.map((o) => ({ ...o, probe: report.probe })));
    this.lastReportAt = now;
    const prev = this._probes[report.probe];
    this._probes[report.probe] = {
      region: report.region,
      seq: Math.max(report.seq, prev?.seq ?? -1),
      signedAt: Math.max(signedAt, prev?.signedAt ?? 0),
      lastReportAt: now,
      observations: (prev?.observations ?? 0) + stats.accepted,
    };
    metrics.reportsAccepted.inc({ probe: report.probe });
  }
}
