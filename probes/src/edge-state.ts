/**
 * This probe's own up/down view of each edge, with the edge's rise/fall
 * thresholds, so the log gets one line per state change instead of one per
 * check (a single timeout is not news). The fleet-wide verdict is core's job;
 * this view only drives logs and stats.
 */
import type { FailureReason, Observation } from '@edgesteer/core';
import type { Edge } from '@edgesteer/policy';

export type EdgeStateName = 'unknown' | 'up' | 'down';

export interface EdgeStateChange {
  edge: string;
  from: EdgeStateName;
  to: Exclude<EdgeStateName, 'unknown'>;
  /** Failure reason of the check that tipped it down. */
  reason?: FailureReason;
  detail?: string;
  /** Consecutive results that made the change (rise or fall). */
  streak: number;
}

export interface EdgeStateView {
  state: EdgeStateName;
  okStreak: number;
  failStreak: number;
  lastAt?: number;
  lastReason?: FailureReason;
  lastDetail?: string;
  connectMs?: number;
  firstByteMs?: number;
}

export class EdgeStateTracker {
  private readonly views = new Map<string, EdgeStateView>();
  private readonly thresholds = new Map<string, { rise: number; fall: number }>();

  constructor(edges: readonly Edge[]) {
    for (const e of edges) {
      this.views.set(e.id, { state: 'unknown', okStreak: 0, failStreak: 0 });
      this.thresholds.set(e.id, { rise: e.check.rise, fall: e.check.fall });
    }
  }

  /** Folds one observation in; returns the change it caused, if any. */
  observe(obs: Observation): EdgeStateChange | undefined {
    const view = this.views.get(obs.edge);
    const t = this.thresholds.get(obs.edge);
    if (!view || !t) return undefined;
    view.lastAt = obs.at;
    view.connectMs = obs.connectMs;
    view.firstByteMs = obs.firstByteMs;
    if (obs.ok) {
      view.okStreak++;
      view.failStreak = 0;
      delete view.lastReason;
      delete view.lastDetail;
      if (view.state !== 'up' && view.okStreak >= t.rise) return this.change(obs.edge, view, 'up', view.okStreak);
    } else {
      view.failStreak++;
      view.okStreak = 0;
      view.lastReason = obs.reason;
      view.lastDetail = obs.detail;
      if (view.state !== 'down' && view.failStreak >= t.fall) {
        return { ...this.change(obs.edge, view, 'down', view.failStreak), ...(obs.reason ? { reason: obs.reason } : {}), ...(obs.detail ? { detail: obs.detail } : {}) };
      }
    }
    return undefined;
  }

  snapshot(): Record<string, EdgeStateView> {
    return Object.fromEntries([...this.views].map(([id, v]) => [id, { ...v }]));
  }

  private change(edge: string, view: EdgeStateView, to: 'up' | 'down', streak: number): EdgeStateChange {
    const from = view.state;
    view.state = to;
    return { edge, from, to, streak };
  }
}
