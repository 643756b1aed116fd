/**
 * The dashboard's live sections, rendered on the server. The page script
 * swaps each section's HTML when an update arrives over SSE, so there is one
 * renderer (this file) for the first paint and for every update.
 *
 * Element ids and data attributes are a contract for browser tests and
 * scrapers: #meta, #banner, #planes, #matrix, #answers, #timeline; #status
 * carries data-status (ok|warning|critical) and data-conditions; cells carry
 * data-edge, data-region, data-up, data-fresh, data-rtt; answers carry
 * data-service, data-region, data-answer, data-mode; incidents carry
 * data-incident (failover|recovery|rerank|policy|policy-error).
 */
import type { Check } from '@edgesteer/policy';
import type { Controller } from '../controller.js';
import type { PlaneWatch } from '../plane-watch.js';
import { edgesView, type EdgeView } from '../views.js';
import { currentConditions, type Condition } from './conditions.js';
import { esc, fmtAge, fmtClock, fmtRtt, heatColor } from './format.js';
import { groupIncidents, verdictWords, type Incident } from './incidents.js';
import { renderPlanes } from './planes-panel.js';
import { sparklineSvg, type RttHistory } from './rtt-history.js';

/** Section id → inner HTML. */
export type Sections = Record<'meta' | 'banner' | 'planes' | 'matrix' | 'answers' | 'timeline', string>;

/** What the dashboard reads besides the controller. */
export interface DashboardSources {
  planes?: PlaneWatch | undefined;
  history?: RttHistory | undefined;
}

/** Renders every live section for the controller's current state. */
export function renderSections(c: Controller, src: DashboardSources = {}): Sections {
  const edges = edgesView(c);
  const conditions = currentConditions(c, src.planes);
  return {
    meta: renderMeta(c, conditions),
    banner: renderBanner(c, conditions),
    planes: renderPlanes(c, src.planes),
    matrix: renderMatrix(c, edges.edges, src.history),
    answers: renderAnswers(c),
    timeline: renderTimeline(groupIncidents(c.timeline.newest(120)), c.clock(), c.policy.health.quorum),
  };
}

const since = (at: number, now: number) => `<span class="age" data-since="${at}">${esc(fmtAge(now - at))}</span>`;

function renderMeta(c: Controller, conditions: Condition[]): string {
  const now = c.clock();
  const t = c.table;
  const worst = conditions[0];
  const level = worst ? worst.severity : 'ok';
  const probes = Object.entries(c.probes);
  const staleAfter = c.policy.health.staleAfterMs;
  const liveProbes = probes.filter(([, p]) => now - p.lastReportAt <= staleAfter).length;
  const stat = (label: string, value: string, attrs = '') => `<div class="stat"${attrs}><div class="label">${esc(label)}</div><div class="value">${value}</div></div>`;
  const pill = worst ? `<span class="pill ${worst.severity === 'critical' ? 'down' : 'warn'}">${esc(worst.title)}</span>${conditions.length > 1 ? ` <span class="sub">+${conditions.length - 1} more</span>` : ''}` : '<span class="pill up">OK</span>';
  return [
    stat('Status', pill, ` id="status" data-status="${level}" data-conditions="${esc(conditions.map((x) => x.title).join('|'))}" title="${esc(conditions.map((x) => x.detail).join('\n') || 'every edge up, every plane agrees')}"`),
    stat('Table version', `v${t.version}`, ` id="table-version" data-version="${t.version}" data-hash="${esc(t.hash)}"`),
    stat('Table hash', `<code title="${esc(t.hash)}">${esc(t.hash.slice(0, 12))}</code>`),
    stat('Table age', since(t.generatedAt, now), ` id="table-age" data-generated-at="${t.generatedAt}"`),
    stat('Policy', `<code title="${esc(t.policyHash)}">${esc(t.policyHash.slice(0, 12))}</code>`, ` data-policy-hash="${esc(t.policyHash)}"`),
    stat('Last report', c.lastReportAt === undefined ? '<span class="muted">none yet</span>' : `${since(c.lastReportAt, now)} ago`, ` id="last-report"`),
    stat('Probes reporting', `${liveProbes} / ${c.policy.regions.length}`, ` id="probes" data-live="${liveProbes}"`),
  ].join('');
}

function renderBanner(c: Controller, conditions: Condition[]): string {
  const now = c.clock();
  const out: string[] = [];
  if (conditions.length > 0) {
    const items = conditions
      .slice(0, 12)
      .map((x) => `<li class="${x.severity}" data-condition="${esc(x.title)}"><b>${esc(x.title)}</b> ${esc(x.detail)}${x.since !== undefined ? ` <span class="sub">· for ${since(x.since, now)}</span>` : ''}</li>`)
      .join('');
    out.push(`<div class="conditions" role="status"><ul>${items}</ul></div>`);
  }
  if (c.policyErrors.length > 0) {
    const items = c.policyErrors.slice(0, 20).map((p) => `<li><code>${esc(p)}</code></li>`).join('');
    const more = c.policyErrors.length > 20 ? `<li>… ${c.policyErrors.length - 20} more (see logs)</li>` : '';
    out.push(`<div class="banner" role="alert" data-policy-errors="${c.policyErrors.length}"><strong>Policy file rejected — still serving the previous policy.</strong><ul>${items}${more}</ul></div>`);
  }
  return out.join('');
}

/** The check an edge runs, in one line for a tooltip. */
function checkWords(check: Check, address: string | undefined): string {
  const target = check.type === 'tcp' ? `tcp ${check.address ?? address ?? '?'}:${check.port ?? '?'}` : `${check.type}://${check.address ?? address ?? '?'}${check.port ? `:${check.port}` : ''}${check.path}`;
  return `check ${target} every ${check.intervalMs} ms, timeout ${check.timeoutMs} ms, up after ${check.rise} ok, down after ${check.fall} failed${check.type === 'tcp' ? '' : `, expects ${check.expectStatus.join('/')}`}`;
}

function renderMatrix(c: Controller, edges: EdgeView[], history: RttHistory | undefined): string {
  const now = c.clock();
  const { policy, table } = c;
  // Edges that are the first answer of some service in a region get a marker in that row, naming the services.
  const chosen = new Map<string, string[]>();
  for (const [id, s] of Object.entries(table.services)) {
    for (const [r, e] of Object.entries(s.regions)) {
      if (!e.answer[0]) continue;
      const key = `${r}|${e.answer[0]}`;
      chosen.set(key, [...(chosen.get(key) ?? []), id]);
    }
  }

  const head = edges
    .map((e) => {
      const state = e.drain ? 'drain' : e.verdict;
      const sinceTxt = e.since !== undefined ? ` · ${since(e.since, now)}` : '';
      const pe = policy.edges.find((x) => x.id === e.id);
      const hover = `${e.id} in ${e.region}: ${e.addresses.join(', ') || 'no address'}\n${pe ? checkWords(pe.check, pe.ipv4[0] ?? pe.ipv6[0]) : ''}\n${e.reason}`;
      return `<th class="edge-head ${state}" scope="col" data-edge="${esc(e.id)}" data-verdict="${e.verdict}" data-drain="${e.drain}" data-address="${esc(e.addresses[0] ?? '')}" title="${esc(hover)}">
<div class="edge-id">${esc(e.id)}</div>
<div class="edge-sub">${esc(e.region)} · ${esc(e.addresses[0] ?? 'no address')}</div>
<div><span class="pill ${e.verdict}">${e.verdict.toUpperCase()}</span>${e.drain ? ' <span class="pill drain">DRAIN</span>' : ''}</div>
<div class="edge-reason">${esc(edgeWords(e, policy.health.quorum))}${sinceTxt}</div></th>`;
    })
    .join('');

  const rows = policy.regions
    .map((r) => {
      const probe = Object.entries(c.probes).find(([, p]) => p.region === r.id);
      const probeTxt = probe ? `probe ${esc(probe[0])} · ${since(probe[1].lastReportAt, now)} ago` : '<span class="muted">no probe reports</span>';
      const cells = edges
        .map((e) => {
          const l = e.regions[r.id];
          const services = chosen.get(`${r.id}|${e.id}`);
          const mark = services ? ' chosen' : '';
          const answering = services ? `<div class="svc" data-services="${esc(services.join(','))}">answers ${esc(services.join(', '))}</div>` : '';
          const base = `data-edge="${esc(e.id)}" data-region="${esc(r.id)}"`;
          if (!l) return `<td class="cell nodata${mark}" ${base} data-up="unknown" data-fresh="false"><div class="rtt">—</div><div class="sub">no data</div>${answering}</td>`;
          const cls = `${l.up ? 'up' : 'down'}${l.fresh ? '' : ' stale'}${e.drain ? ' drained' : ''}${mark}`;
          const style = l.up && l.rttMs !== undefined ? ` style="background:${heatColor(l.rttMs)}"` : '';
          const why = `${esc(l.lastReason ?? 'down')}${l.lastDetail ? `: ${esc(l.lastDetail)}` : ''}`;
          // A link still up but failing is the early warning: show the failure before the verdict flips.
          const detail = !l.up ? `${why} · ${l.failStreak}×` : l.failStreak > 0 ? `failing ${l.failStreak}×: ${why}` : `${l.okStreak} ok · seen ${since(l.lastSeen, now)} ago`;
          const pe = policy.edges.find((x) => x.id === e.id);
          const title = `${r.id} → ${e.id} (${e.addresses.join(', ') || 'no address'}): ${l.up ? 'up' : 'down'}${l.fresh ? '' : ' (stale)'}, RTT ${fmtRtt(l.rttMs)}, ok streak ${l.okStreak}, fail streak ${l.failStreak}, ${l.samples} samples\n${pe ? checkWords(pe.check, pe.ipv4[0] ?? pe.ipv6[0]) : ''}\nsparkline: RTT over the last 15 min (red ticks: down)`;
          const spark = history ? sparklineSvg(history.points(r.id, e.id), now, history.windowMs) : '';
          return `<td class="cell ${cls}" ${base} data-up="${l.up}" data-fresh="${l.fresh}" data-rtt="${l.rttMs ?? ''}"${style} title="${esc(title)}"><div class="rtt">${l.up ? esc(fmtRtt(l.rttMs)) : 'DOWN'}</div><div class="sub">${detail}${l.fresh ? '' : ' · <b>stale</b>'}</div>${spark}${answering}</td>`;
        })
        .join('');
      return `<tr data-region="${esc(r.id)}"><th scope="row" class="region-head"><div class="region-id">${esc(r.id)}</div><div class="edge-sub">${esc(r.aws)}${r.default ? ' · default' : ''}</div><div class="edge-sub">${probeTxt}</div></th>${cells}</tr>`;
    })
    .join('');
  return `<table class="matrix"><thead><tr><th class="corner">region ↓ · edge →</th>${head}</tr></thead><tbody>${rows}</tbody></table>
<div class="legend">${legend(c)}</div>`;
}

/** An edge's verdict in words (core's reason says "2/3 fresh regions say down (quorum 2)"). */
function edgeWords(e: EdgeView, quorum: number): string {
  if (e.freshRegions === 0) return e.reason;
  const down = e.downRegions.length;
  if (e.verdict === 'down') return `failing in ${down} of ${e.freshRegions} regions (${e.downRegions.join(', ')}; ${quorum} needed)`;
  if (down === 0) return `healthy in all ${e.freshRegions} regions`;
  return `failing in ${down} of ${e.freshRegions} regions (${e.downRegions.join(', ')}), fewer than the ${quorum} needed to fail over`;
}

function legend(c: Controller): string {
  const hp = c.policy.health;
  const svc = c.policy.services[0];
  const falls = [...new Set(c.policy.edges.map((e) => e.check.fall))].join('/');
  const rises = [...new Set(c.policy.edges.map((e) => e.check.rise))].join('/');
  const sw = (ms: number) => `<i class="sw" style="background:${heatColor(ms)}"></i>`;
  return [
    `<span>${sw(2)}RTT &lt; 10 ms</span>`,
    `<span>${sw(30)}≈ 30 ms</span>`,
    `<span>${sw(250)}≥ 150 ms (colour: log scale 1–300 ms)</span>`,
    `<span><i class="sw down"></i>down: that region saw ${falls} failed checks in a row; the edge fails over when ${hp.quorum} region(s) agree, and is up again after ${rises} ok</span>`,
    `<span><i class="sw stale"></i>stale: newest result older than ${Math.round(hp.staleAfterMs / 1000)} s (not counted)</span>`,
    `<span><i class="sw chosen"></i>★ the region's answer${svc ? `; it moves only for an edge ≥ ${svc.hysteresisPct}% and ≥ ${svc.hysteresisMinMs} ms faster` : ''}</span>`,
    `<span><svg class="spark" width="22" height="10"><polyline points="0,8 7,4 14,6 22,2" class="spark-line"/></svg> RTT, last 15 min</span>`,
  ].join('');
}

function renderAnswers(c: Controller): string {
  const { policy, table } = c;
  const head = policy.regions.map((r) => `<th scope="col">${esc(r.id)}</th>`).join('');
  const rows = policy.services
    .map((s) => {
      const routes = table.services[s.id];
      const cells = policy.regions
        .map((r) => {
          const e = routes?.regions[r.id];
          if (!e) return `<td class="answer none" data-service="${esc(s.id)}" data-region="${esc(r.id)}" data-answer="" data-mode="none">—</td>`;
          const chips = e.answer.length
            ? e.answer.map((id, i) => `<span class="chip${i === 0 ? ' first' : ''}${table.edges[id]?.up === false ? ' down' : ''}">${esc(id)}</span>`).join('')
            : '<span class="muted">no answer (NODATA)</span>';
          const mode = e.mode === 'ranked' ? '' : ` <span class="pill ${e.mode === 'fallback' ? 'warn' : 'down'}">${e.mode.toUpperCase()}</span>`;
          // The live estimate, not the table's: RTT is left out of the table hash, so a table object can be older than the latest sample.
          const rttMs = e.answer[0] === undefined ? undefined : c.state.links[`${r.id}|${e.answer[0]}`]?.rttMs;
          const rtt = rttMs !== undefined ? `<div class="sub">${esc(fmtRtt(rttMs))} from ${esc(r.id)}</div>` : '';
          return `<td class="answer ${e.mode}" data-service="${esc(s.id)}" data-region="${esc(r.id)}" data-answer="${esc(e.answer.join(','))}" data-mode="${e.mode}">${chips}${mode}${rtt}</td>`;
        })
        .join('');
      return `<tr data-service="${esc(s.id)}"><th scope="row"><div class="region-id">${esc(s.name)}</div><div class="edge-sub">${esc(s.id)} · ${esc(s.steering)} · TTL ${s.ttl}s · ${s.answers} answer${s.answers === 1 ? '' : 's'}</div></th>${cells}</tr>`;
    })
    .join('');
  return `<table class="answers"><thead><tr><th class="corner">service ↓ · client region →</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

const INCIDENT: Record<Incident['kind'], { icon: string; cls: string; label: string }> = {
  failover: { icon: '▼', cls: 'alarm', label: 'Failover' },
  recovery: { icon: '▲', cls: 'recover', label: 'Recovery' },
  rerank: { icon: '⇅', cls: 'answer', label: 'Re-rank (RTT changed)' },
  policy: { icon: '✎', cls: 'policy', label: 'Policy reloaded' },
  'policy-error': { icon: '✎', cls: 'alarm', label: 'Policy rejected' },
};

function renderIncident(inc: Incident, now: number, quorum: number): string {
  const d = INCIDENT[inc.kind];
  const causes = inc.causes
    .map((ev) =>
      ev.kind === 'verdict'
        ? `<li class="cause" data-kind="verdict" data-edge="${esc(ev.edge)}" data-to="${ev.to}">edge <b>${esc(ev.edge)}</b> ${ev.to.toUpperCase()}: <span class="why">${esc(verdictWords(ev, quorum))}</span></li>`
        : `<li class="cause" data-kind="policy">${esc(ev.message)}</li>`,
    )
    .join('');
  const effects = inc.effects
    .map(
      (a) =>
        `<li class="effect" data-kind="answer" data-service="${esc(a.service)}" data-region="${esc(a.region)}">${esc(a.service)} in ${esc(a.region)}: ${esc(a.from.join(', ') || '—')} → <b>${esc(a.to.join(', ') || '—')}</b>${a.toMode === 'ranked' ? '' : ` <span class="pill warn">${esc(a.toMode.toUpperCase())}</span>`}${inc.causes.length === 0 ? ` <span class="why">${esc(a.reason)}</span>` : ''}</li>`,
    )
    .join('');
  const count = inc.effects.length ? ` <span class="sub">· ${inc.effects.length} answer${inc.effects.length === 1 ? '' : 's'} moved</span>` : '';
  return `<li class="ev ${d.cls}" data-incident="${inc.kind}" data-at="${inc.at}"><span class="icon">${d.icon}</span><time datetime="${new Date(inc.at).toISOString()}" data-clock="${inc.at}">${fmtClock(inc.at)}</time><span class="ago">${since(inc.at, now)} ago</span><span class="text"><b>${d.label}</b>${count}<ul class="incident">${causes}${effects}</ul></span></li>`;
}

function renderTimeline(incidents: Incident[], now: number, quorum: number): string {
  if (incidents.length === 0) return '<p class="muted">No failovers or verdict changes yet.</p>';
  return `<ol class="timeline">${incidents.slice(0, 40).map((i) => renderIncident(i, now, quorum)).join('')}</ol>`;
}
