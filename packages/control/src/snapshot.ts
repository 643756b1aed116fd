/**
 * The controller's persisted state: enough to come back after a restart
 * serving the same table (same hash) and remembering recent history.
 */
import type { DecisionState, RoutingTable } from '@edgesteer/core';
import type { TimelineEvent } from './changes.js';
import type { ProbeRecord, RecordedObservation } from './probe-ledger.js';
import { ControlError } from './errors.js';

export const SNAPSHOT_FORMAT = 'edgesteer-controller-state/1';

export interface ControllerSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  savedAt: number;
  /** Id of the state history (absent in files written before epochs: a new one is drawn). */
  epoch?: string;
  /** Policy the table was computed from (informational; the live policy wins). */
  policyHash: string;
  state: DecisionState;
  table: RoutingTable;
  /** Bounded, oldest first. */
  observations: RecordedObservation[];
  /** Bounded, oldest first. */
  timeline: TimelineEvent[];
  lastReportAt: number | undefined;
  /** Per probe: last accepted seq and signing time (replay protection survives restarts). */
  probes: Record<string, ProbeRecord>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the shape of a parsed state file. It is our own file, so this guards
 * against truncation, hand edits and format changes, not against attackers.
 */
export function parseSnapshot(value: unknown, file: string): ControllerSnapshot {
  const fail = (what: string): never => {
    throw new ControlError('E_STATE_CORRUPT', `${file}: ${what}; move the file away to start from an empty state`);
  };
  if (!isObj(value)) return fail('not a JSON object');
  if (value['format'] !== SNAPSHOT_FORMAT) return fail(`unknown format ${JSON.stringify(value['format'])} (expected ${SNAPSHOT_FORMAT})`);
  const state = value['state'];
  if (!isObj(state) || !isObj(state['links']) || !isObj(state['verdicts']) || !isObj(state['best']) || typeof state['version'] !== 'number' || typeof state['hash'] !== 'string') {
    return fail('state is not a decision state');
  }
  const table = value['table'];
  if (!isObj(table) || typeof table['hash'] !== 'string' || typeof table['version'] !== 'number' || !isObj(table['services']) || !isObj(table['edges'])) {
    return fail('table is not a routing table');
  }
  if (typeof value['savedAt'] !== 'number') return fail('savedAt missing');
  const observations = Array.isArray(value['observations']) ? value['observations'] : [];
  const timeline = Array.isArray(value['timeline']) ? value['timeline'] : [];
  const lastReportAt = typeof value['lastReportAt'] === 'number' ? value['lastReportAt'] : undefined;
  return {
    format: SNAPSHOT_FORMAT,
    savedAt: value['savedAt'],
    ...(typeof value['epoch'] === 'string' ? { epoch: value['epoch'] } : {}),
    policyHash: typeof value['policyHash'] === 'string' ? value['policyHash'] : '',
    state: state as unknown as DecisionState,
    table: table as unknown as RoutingTable,
    observations: observations as RecordedObservation[],
    timeline: timeline as TimelineEvent[],
    lastReportAt,
    probes: isObj(value['probes']) ? (value['probes'] as Record<string, ProbeRecord>) : {},
  };
}
