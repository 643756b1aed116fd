/**
 * GET /whatif: a small self-contained page with the last policy change and
 * its plan (the answers it moved, clients moved, Route53 changes, warnings)
 * and a link to export the observation timeline. Server-rendered, no
 * script; every value is escaped. The dashboard can link or embed it.
 */
import { renderPlanText } from '@edgesteer/whatif';
import { esc } from './dashboard/format.js';
import type { PolicyChangeRecord } from './timeline-routes.js';

/** The page's HTML for the last change (null = none yet). */
export function renderWhatifPage(change: PolicyChangeRecord | null, hasLog: boolean): string {
  let body: string;
  if (!change) body = '<p>No policy change since the controller started.</p>';
  else if (!change.plan) body = `<p>Policy changed at ${esc(new Date(change.at).toISOString())}; its plan could not be computed: ${esc(change.error ?? 'unknown error')}</p>`;
  else {
    const text = renderPlanText(change.plan, { current: `policy ${change.policyHashBefore.slice(0, 12)}`, next: `policy ${change.policyHashAfter.slice(0, 12)}`, observations: 'the controller\'s at the time' });
    body = `<p>Last policy change: ${esc(new Date(change.at).toISOString())}</p><pre>${esc(text)}</pre>`;
  }
  const exportLink = hasLog
    ? '<p><a href="/v1/timeline/export?since=1h" download="incident.jsonl">Export the last hour of observations</a> (replay with <code>edgesteer replay incident.jsonl --policy A.yaml --policy B.yaml</code>)</p>'
    : '<p>No observation log is kept (controller started without a state directory).</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edgesteer: what if</title><link rel="stylesheet" href="/dashboard.css"></head><body><h1>What if</h1>${body}${exportLink}<p><a href="/">Dashboard</a> · <a href="/v1/policy/last-change">JSON</a></p></body></html>`;
}
