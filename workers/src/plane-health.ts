/**
 * The plane health contract for the Worker (shared with the DNS server and
 * the controller): `status` from core's syncStatus over the stored decision
 * state — `unsynced` before any report or before quorum data, `stale` when
 * reports came but fresh quorum data is missing now, `ok` otherwise — and
 * the hashes planes compare. Used by /healthz and /metrics alike.
 */
import { syncStatus, type SyncStatus } from '@edgesteer/core';
import type { EngineView } from './engine.js';

export interface WorkerPlaneHealth {
  plane: 'worker';
  status: 'ok' | 'unsynced' | 'stale';
  policyHash: string;
  clientMapHash: string | null;
  lastObservationAt: number | null;
  sync: SyncStatus | undefined;
}

/** The contract fields for the view the routes answer from, at `now`. */
export function workerPlaneHealth(view: EngineView, now: number, clientMapHash: string | null = null): WorkerPlaneHealth {
  const s = view.snapshot;
  const sync = s ? syncStatus(view.loaded.policy, s.state, now) : undefined;
  const status = !sync ? 'unsynced' : sync.synced ? 'ok' : sync.lastObservationAt === null ? 'unsynced' : 'stale';
  return { plane: 'worker', status, policyHash: view.table.policyHash, clientMapHash, lastObservationAt: sync?.lastObservationAt ?? null, sync };
}
