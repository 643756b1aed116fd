/**
 * What is wrong right now, worst first: the dashboard's STATUS is the worst
 * current condition, never a green OK while any of these holds. (The page's
 * own lost connection is the one condition only the browser can see; the
 * page script turns STATUS grey for it.)
 */
import type { Controller } from '../controller.js';
import type { PlaneWatch } from '../plane-watch.js';

export type Severity = 'critical' | 'warning';

export interface Condition {
  severity: Severity;
  /** Short word for the STATUS pill. */
  title: string;
  /** One sentence an on-call engineer can act on. */
  detail: string;
  /** When it started, if known. */
  since?: number;
}

/** A plane must differ this long before it counts as disagreeing: planes adopt a new table a few hundred ms apart. */
export const DISAGREE_GRACE_MS = 3000;

/** Every current condition, critical ones first. */
export function currentConditions(c: Controller, planes?: PlaneWatch): Condition[] {
  const now = c.clock();
  const out: Condition[] = [];
  const { policy, table } = c;
  for (const e of policy.edges) {
    const served = table.edges[e.id];
    const v = c.state.verdicts[e.id];
    if (served && !served.up) out.push({ severity: 'critical', title: 'EDGE DOWN', detail: `${e.id} (${e.region}) is down and failed over: ${v?.downRegions.join(', ') || 'quorum'} see it failing`, ...(v ? { since: v.since } : {}) });
    if (served?.drain ?? e.drain) out.push({ severity: 'warning', title: 'DRAINING', detail: `${e.id} is drained by the policy: no new traffic` });
  }
  for (const [id, s] of Object.entries(table.services)) {
    for (const [r, entry] of Object.entries(s.regions)) {
      if (entry.mode !== 'ranked') out.push({ severity: 'critical', title: entry.mode === 'fallback' ? 'FALLBACK' : 'NO ANSWER', detail: `${id} in ${r}: every edge down or drained, answering ${entry.mode === 'fallback' ? 'the fallback set' : 'nothing'}` });
    }
  }
  if (planes) {
    for (const p of planes.list) {
      const name = `${p.kind ?? 'plane'} ${p.url}`;
      if (!p.reachable) {
        // A plane that has never answered and was first tried moments ago is still starting (edgesteer run starts them together).
        if (p.lastOkAt === undefined && p.downSince !== undefined && now - p.downSince < 15_000) out.push({ severity: 'warning', title: 'PLANE STARTING', detail: `${name}: not answering yet (${p.error ?? 'no answer'})`, since: p.downSince });
        else if (p.checkedAt !== undefined) out.push({ severity: 'critical', title: 'PLANE UNREACHABLE', detail: `${name}: ${p.error ?? 'no answer'}`, ...(p.downSince !== undefined ? { since: p.downSince } : {}) });
        continue;
      }
      if (p.differsSince !== undefined && now - p.differsSince >= DISAGREE_GRACE_MS) {
        out.push({ severity: 'critical', title: 'PLANES DISAGREE', detail: `${name} serves table ${p.tableHash?.slice(0, 12)} (v${p.tableVersion ?? '?'}), the controller ${table.hash.slice(0, 12)}`, since: p.differsSince });
      }
      if (p.status !== undefined && p.status !== 'ok') out.push({ severity: 'warning', title: `PLANE ${p.status.toUpperCase()}`, detail: `${name} reports status ${p.status}` });
    }
  }
  if (c.policyErrors.length > 0) out.push({ severity: 'warning', title: 'POLICY ERROR', detail: `policy file rejected (${c.policyErrors.length} problem(s)); the previous policy keeps serving` });
  const staleAfter = policy.health.staleAfterMs;
  const reporting = new Set(Object.values(c.probes).filter((p) => now - p.lastReportAt <= staleAfter).map((p) => p.region));
  const silent = policy.regions.filter((r) => !reporting.has(r.id)).map((r) => r.id);
  if (silent.length > 0 && (c.lastReportAt !== undefined || now - c.policyLoadedAt > staleAfter)) {
    out.push({ severity: 'warning', title: 'PROBE SILENT', detail: `no fresh report from ${silent.join(', ')} (stale after ${Math.round(staleAfter / 1000)} s)` });
  }
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
}
