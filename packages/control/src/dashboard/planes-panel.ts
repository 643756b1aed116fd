/**
 * The data-planes panel: every plane that answers clients (the controller's
 * own table, each watched DNS server and Worker, Route53) with whether it is
 * reachable, the table it serves (version, hash, age), its client map, and
 * whether it agrees with the controller. Route53's row shows what it should
 * answer per region (from the same table) and whether anything applies it.
 *
 * Contract for tests and scrapers: #planes tr[data-plane] with data-kind,
 * data-reachable, data-agrees (true|false|unknown), data-hash; the summary
 * carries data-agree / data-total; Route53 cells carry data-region and
 * data-primary.
 */
import type { Controller } from '../controller.js';
import type { PlaneWatch } from '../plane-watch.js';
import { DISAGREE_GRACE_MS } from './conditions.js';
import { esc, fmtAge } from './format.js';

const since = (at: number, now: number) => `<span class="age" data-since="${at}">${esc(fmtAge(now - at))}</span>`;
const hash = (h: string | null | undefined) => (h === undefined ? '<span class="muted" title="not published by this plane">unknown</span>' : h === null ? '<span class="muted">none</span>' : `<code title="${esc(h)}">${esc(h.slice(0, 12))}</code>`);

/** Renders the panel. */
export function renderPlanes(c: Controller, planes: PlaneWatch | undefined): string {
  const now = c.clock();
  const t = c.table;
  const rows: string[] = [];
  rows.push(
    `<tr data-plane="controller" data-kind="controller" data-reachable="true" data-agrees="true" data-hash="${esc(t.hash)}"><th scope="row">controller <span class="sub">this process</span></th><td><span class="pill up">UP</span></td><td>v${t.version}</td><td>${hash(t.hash)}</td><td>${since(t.generatedAt, now)}</td><td><span class="muted">n/a</span></td><td>${c.lastReportAt === undefined ? '<span class="muted">none yet</span>' : `${since(c.lastReportAt, now)} ago`}</td></tr>`,
  );
  for (const p of planes?.list ?? []) {
    const agrees = !p.reachable || p.tableHash === undefined ? 'unknown' : String(p.tableHash === t.hash);
    const disagreeing = p.differsSince !== undefined && now - p.differsSince >= DISAGREE_GRACE_MS;
    const cls = !p.reachable ? 'plane-down' : disagreeing ? 'plane-differs' : p.status !== undefined && p.status !== 'ok' ? 'plane-warn' : '';
    const state = !p.reachable
      ? `<span class="pill down">UNREACHABLE</span> <span class="sub">${esc(p.error ?? '')}${p.downSince !== undefined ? ` · since ${since(p.downSince, now)}` : ''}</span>`
      : `<span class="pill ${p.status === undefined || p.status === 'ok' ? 'up' : 'warn'}">${esc((p.status ?? 'up').toUpperCase())}</span>`;
    const agreeTxt = agrees === 'true' ? ' <span class="agree" title="same table as the controller">✓</span>' : agrees === 'false' ? ` <span class="differ" title="differs from the controller">≠ since ${since(p.differsSince ?? now, now)}</span>` : '';
    rows.push(
      `<tr class="${cls}" data-plane="${esc(p.url)}" data-kind="${esc(p.kind ?? 'unknown')}" data-reachable="${p.reachable}" data-agrees="${agrees}" data-hash="${esc(p.tableHash ?? '')}" data-status="${esc(p.status ?? '')}"><th scope="row">${esc(p.kind ?? 'plane')} <span class="sub">${esc(p.url)}</span></th><td>${state}</td><td>${p.tableVersion === undefined ? '<span class="muted">unknown</span>' : `v${p.tableVersion}`}</td><td>${p.reachable ? hash(p.tableHash) : '<span class="muted">—</span>'}${agreeTxt}</td><td>${p.generatedAt === undefined ? '<span class="muted">unknown</span>' : since(p.generatedAt, now)}</td><td>${hash(p.clientMapHash)}</td><td>${p.lastObservationAt === undefined ? '<span class="muted">unknown</span>' : p.lastObservationAt === null ? '<span class="muted">none yet</span>' : `${since(p.lastObservationAt, now)} ago`}</td></tr>`,
    );
  }
  rows.push(renderRoute53Row(c, planes, now));

  const a = planes?.agreement();
  let summary: string;
  if (!a || a.total === 1) summary = `<p class="agreement muted" data-agree="1" data-total="1">No data planes watched: start the controller with <code>--plane URL</code> for each DNS server and Worker.</p>`;
  else {
    const differ = a.differ.filter((d) => now - d.since >= DISAGREE_GRACE_MS);
    const cls = differ.length > 0 ? 'bad' : a.unknown.length > 0 || a.differ.length > 0 ? 'warn' : 'good';
    const parts = [`<b>${a.agree} of ${a.total} planes agree</b> on table <code>${esc(c.table.hash.slice(0, 12))}</code>`];
    for (const d of a.differ) {
      const settling = now - d.since < DISAGREE_GRACE_MS ? ' (a new table is spreading: counts as disagreeing after 3 s)' : '';
      parts.push(`${esc(d.kind ?? 'plane')} ${esc(d.url)} serves <code>${esc(d.hash.slice(0, 12))}</code> since ${since(d.since, now)}${settling}`);
    }
    for (const u of a.unknown) parts.push(`${esc(u.kind ?? 'plane')} ${esc(u.url)}: ${esc(u.why)}`);
    summary = `<p class="agreement ${cls}" data-agree="${a.agree}" data-total="${a.total}" data-differ="${a.differ.length}" data-unknown="${a.unknown.length}">${parts.join(' · ')}</p>`;
  }
  return `${summary}<table class="planes"><thead><tr><th>plane</th><th>state</th><th>table</th><th>hash</th><th>table age</th><th>client map</th><th>last observation</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderRoute53Row(c: Controller, planes: PlaneWatch | undefined, now: number): string {
  const zones = c.policy.zones.filter((z) => z.route53?.hostedZoneId !== undefined).map((z) => `${z.name} (${z.route53!.hostedZoneId})`);
  const r53 = planes?.route53;
  let state: string;
  let applied: string;
  if (zones.length === 0) {
    state = '<span class="pill idle">NOT APPLIED</span>';
    applied = 'not applied: no hosted zone (add route53.hostedZoneId to a zone to manage it)';
  } else if (r53?.lastSuccessAt !== undefined) {
    state = `<span class="pill ${r53.inSync === false ? 'warn' : 'up'}">${r53.inSync === false ? 'APPLYING' : 'IN SYNC'}</span>`;
    applied = `zone ${zones.join(', ')} · last reconcile ${since(r53.lastSuccessAt, now)} ago${r53.lastCycleAt !== undefined && r53.lastCycleAt > r53.lastSuccessAt ? ' · <b>last cycle failed</b>' : ''}`;
  } else {
    state = `<span class="pill warn">${r53?.loopActive === false ? 'LOOP OFF' : 'PENDING'}</span>`;
    applied = `zone ${zones.join(', ')} · no successful reconcile yet${r53?.lastCycleAt !== undefined ? ` (last attempt ${since(r53.lastCycleAt, now)} ago failed)` : ''}`;
  }
  // Desired state = the latency record per region → failover set PRIMARY (best) / SECONDARY (next).
  const desired = c.policy.services
    .map((s) => {
      const cells = c.policy.regions
        .map((r) => {
          const e = c.table.services[s.id]?.regions[r.id];
          const primary = e?.answer[0] ?? e?.ranked[0];
          const secondary = e?.ranked.find((x) => x !== primary);
          return `<span class="r53" data-service="${esc(s.id)}" data-region="${esc(r.id)}" data-primary="${esc(primary ?? '')}" title="latency record ${esc(s.name)} in ${esc(r.aws)} → failover set">${esc(r.id)} <span class="sub">${esc(r.aws)}</span> → <b>${esc(primary ?? '—')}</b>${secondary ? ` <span class="sub">then ${esc(secondary)}</span>` : ''}</span>`;
        })
        .join('');
      return `<div class="r53-svc"><span class="sub">${esc(s.name)}</span> ${cells}</div>`;
    })
    .join('');
  return `<tr class="route53${zones.length === 0 ? ' plane-idle' : ''}" data-plane="route53" data-kind="route53" data-reachable="${zones.length === 0 ? 'n/a' : 'true'}" data-agrees="n/a" data-applied="${zones.length > 0}"><th scope="row">Route53 <span class="sub">desired from table v${c.table.version}</span></th><td>${state}</td><td colspan="5"><div class="sub">${applied}</div>${desired}</td></tr>`;
}
