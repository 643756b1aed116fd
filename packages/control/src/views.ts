/**
 * Read models of the controller for /v1/edges, /healthz and the dashboard:
 * plain JSON built from the policy, the decision state and the table.
 */
import { syncStatus, type FailureReason } from '@edgesteer/core';
import type { Controller } from './controller.js';

/** What one probe region knows about one edge. */
export interface LinkView {
  /** This region's own verdict (after rise/fall). */
  up: boolean;
  /** Newest observation is younger than health.staleAfterMs. */
  fresh: boolean;
  rttMs?: number;
  lastReason?: FailureReason;
  lastDetail?: string;
  /** Time of the newest observation (epoch ms). */
  lastSeen: number;
  okStreak: number;
  failStreak: number;
  samples: number;
}

/** One edge as /v1/edges shows it. */
export interface EdgeView {
  id: string;
  region: string;
  addresses: string[];
  verdict: 'up' | 'down';
  reason: string;
  /** When the verdict last changed; undefined before the first observation. */
  since?: number;
  drain: boolean;
  downRegions: string[];
  freshRegions: number;
  /** Services this edge serves. */
  services: string[];
  /** Key: probe region. null = no observation from that region yet. */
  regions: Record<string, LinkView | null>;
}

export interface EdgesView {
  now: number;
  table: { version: number; hash: string };
  edges: EdgeView[];
}

/** Builds the /v1/edges document. */
export function edgesView(c: Controller): EdgesView {
  const now = c.clock();
  const { policy, state, table } = c;
  const staleAfter = policy.health.staleAfterMs;
  const edges = policy.edges.map((e): EdgeView => {
    const v = state.verdicts[e.id];
    const served = table.edges[e.id];
    const regions: Record<string, LinkView | null> = {};
    for (const r of policy.regions) {
      const l = state.links[`${r.id}|${e.id}`];
      regions[r.id] = l
        ? {
            up: l.up,
            fresh: now - l.lastAt <= staleAfter,
            ...(l.rttMs !== undefined ? { rttMs: round(l.rttMs) } : {}),
            ...(l.lastReason !== undefined ? { lastReason: l.lastReason } : {}),
            ...(l.lastDetail !== undefined ? { lastDetail: l.lastDetail } : {}),
            lastSeen: l.lastAt,
            okStreak: l.okStreak,
            failStreak: l.failStreak,
            samples: l.samples,
          }
        : null;
    }
    return {
      id: e.id,
      region: e.region,
      addresses: [...e.ipv4, ...e.ipv6, ...(e.alias ? [e.alias.dnsName] : [])],
      verdict: (served?.up ?? v?.up ?? true) ? 'up' : 'down',
      reason: v?.reason ?? 'no observations yet: assumed up',
      ...(v ? { since: v.since } : {}),
      drain: served?.drain ?? e.drain,
      downRegions: v?.downRegions ?? [],
      freshRegions: v?.freshRegions ?? 0,
      services: policy.services.filter((s) => s.edges.includes(e.id)).map((s) => s.id),
      regions,
    };
  });
  return { now, table: { version: table.version, hash: table.hash }, edges };
}

/** The /healthz document (the plane health contract's fields, plus the controller's own). */
export interface HealthView {
  /** Which kind of plane answers (contract field). */
  plane: 'controller';
  ok: boolean;
  /**
   * `degraded` while the policy file on disk is invalid (the previous policy
   * keeps serving); else `unsynced` before any observation, `stale` when no
   * observation is fresh any more (fail-static), `ok`. Whether quorum
   * regions back every edge: `sync.synced`.
   */
  status: 'ok' | 'degraded' | 'unsynced' | 'stale';
  now: number;
  table: { version: number; hash: string; generatedAt: number; ageMs: number; lastDecisionAt: number };
  policyHash: string;
  /** The compiled client map's hash (null until the policy has a client map). */
  clientMapHash: string | null;
  /** Newest observation folded into the decision state (epoch ms), null when none. */
  lastObservationAt: number | null;
  /** State history id: versions compare only within one epoch. */
  epoch: string;
  sync: { synced: boolean; freshRegions: string[]; needed: number };
  policy: { file?: string; hash: string; loadedAt: number; errors: string[] };
  lastReportAt?: number;
  lastReportAgeMs?: number;
  probes: Record<string, { region: string; seq: number; lastReportAt: number; ageMs: number }>;
}

/** Builds the /healthz document. */
export function healthView(c: Controller): HealthView {
  const now = c.clock();
  const t = c.table;
  const errors = [...c.policyErrors];
  const probes: HealthView['probes'] = {};
  for (const [id, p] of Object.entries(c.probes).sort(([a], [b]) => a.localeCompare(b))) {
    probes[id] = { region: p.region, seq: p.seq, lastReportAt: p.lastReportAt, ageMs: now - p.lastReportAt };
  }
  const sync = syncStatus(c.policy, c.state, now);
  // The controller is an observer: `ok` once it has data and some of it is fresh; quorum detail is in `sync`.
  const status: HealthView['status'] = errors.length > 0 ? 'degraded' : sync.lastObservationAt === null ? 'unsynced' : sync.freshRegions.length === 0 ? 'stale' : 'ok';
  return {
    ok: true,
    plane: 'controller',
    status,
    now,
    table: { version: t.version, hash: t.hash, generatedAt: t.generatedAt, ageMs: now - t.generatedAt, lastDecisionAt: c.lastDecisionAt },
    policyHash: t.policyHash,
    clientMapHash: null,
    lastObservationAt: sync.lastObservationAt,
    epoch: c.epoch,
    sync: { synced: sync.synced, freshRegions: sync.freshRegions, needed: sync.needed },
    policy: { ...(c.policyFile ? { file: c.policyFile } : {}), hash: t.policyHash, loadedAt: c.policyLoadedAt, errors },
    ...(c.lastReportAt !== undefined ? { lastReportAt: c.lastReportAt, lastReportAgeMs: now - c.lastReportAt } : {}),
    probes,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
