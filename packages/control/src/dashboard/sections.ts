/**
 * The dashboard's live sections, rendered on the server. The page script
 * swaps each section's HTML when an update arrives over SSE, so there is one
 * renderer (this file) for the first paint and for every update.
 *
 * Element ids and data attributes are a contract for browser tests and
 * scrapers: #meta, #banner, #matrix, #answers, #timeline; cells carry
 * data-edge, data-region, data-up, data-fresh, data-rtt; answers carry
 * data-service, data-region, data-answer, data-mode.
 */
import type { TimelineEvent } from '../changes.js';
import type { Controller } from '../controller.js';
import { edgesView, type EdgeView } from '../views.js';
import { esc, fmtAge, fmtClock, fmtRtt, heatColor } from './format.js';

/** Section id → inner HTML. */
export type Sections = Record<'meta' | 'banner' | 'matrix' | 'answers' | 'timeline', string>;

/** Renders every live section for the controller's current state. */
export function renderSections(c: Controller): Sections {
  const edges = edgesView(c);
  return {
    meta: renderMeta(c),
    banner: renderBanner(c),
    matrix: renderMatrix(c, edges.edges),
    answers: renderAnswers(c),
    timeline: renderTimeline(c.timeline.newest(60), c.clock()),
  };
}

const since = (at: number, now: number) => `<span class="age" data-since="${at}">${esc(fmtAge(now - at))}</span>`;

function renderMeta(c: Controller): string {
  const now = c.clock();
  const t = c.table;
  const h = c.policyErrors.length > 0 ? 'degraded' : 'ok';
  const probes = Object.entries(c.probes);
  const staleAfter = c.policy.health.staleAfterMs;
  const liveProbes = probes.filter(([, p]) => now - p.lastReportAt <= staleAfter).length;
  const stat = (label: string, value: string, attrs = '') => `<div class="stat"${attrs}><div class="label">${esc(label)}</div><div class="value">${value}</div></div>`;
  return [
    stat('Status', `<span class="pill ${h === 'ok' ? 'up' : 'warn'}">${h === 'ok' ? 'OK' : 'POLICY ERROR'}</span>`, ` id="status" data-status="${h}"`),
    stat('Table version', `v${t.version}`, ` id="table-version" data-version="${t.version}" data-hash="${esc(t.hash)}"`),
    stat('Table hash', `<code title="${esc(t.hash)}">${esc(t.hash.slice(0, 12))}</code>`),
    stat('Table age', since(t.generatedAt, now), ` id="table-age" data-generated-at="${t.generatedAt}"`),
    stat('Policy', `<code title="${esc(t.policyHash)}">${esc(t.policyHash.slice(0, 12))}</code>`, ` data-policy-hash="${esc(t.policyHash)}"`),
    stat('Last report', c.lastReportAt === undefined ? '<span class="muted">none yet</span>' : `${since(c.lastReportAt, now)} ago`, ` id="last-report"`),
    stat('Probes reporting', `${liveProbes} / ${c.policy.regions.length}`, ` id="probes" data-live="${liveProbes}"`),
  ].join('');
}

function renderBanner(c: Controller): string {
  if (c.policyErrors.length === 0) return '';
  const items = c.policyErrors.slice(0, 20).map((p) => `<li><code>${esc(p)}</code></li>`).join('');
  const more = c.policyErrors.length > 20 ? `<li>… ${c.policyErrors.length - 20} more (see logs)</li>` : '';
  return `<div class="banner" role="alert" data-policy-errors="${c.policyErrors.length}"><strong>Policy file rejected — still serving the previous policy.</strong><ul>${items}${more}</ul></div>`;
}

function renderMatrix(c: Controller, edges: EdgeView[]): string {
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
      return `<th class="edge-head ${state}" scope="col" data-edge="${esc(e.id)}" data-verdict="${e.verdict}" data-drain="${e.drain}" title="${esc(e.reason)}">
<div class="edge-id">${esc(e.id)}</div>
<div class="edge-sub">${esc(e.region)}</div>
<div><span class="pill ${e.verdict}">${e.verdict.toUpperCase()}</span>${e.drain ? ' <span class="pill drain">DRAIN</span>' : ''}</div>
<div class="edge-reason">${esc(e.reason)}${sinceTxt}</div></th>`;
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
          const title = `${r.id} → ${e.id}: ${l.up ? 'up' : 'down'}${l.fresh ? '' : ' (stale)'}, RTT ${fmtRtt(l.rttMs)}, ok streak ${l.okStreak}, fail streak ${l.failStreak}, ${l.samples} samples`;
          return `<td class="cell ${cls}" ${base} data-up="${l.up}" data-fresh="${l.fresh}" data-rtt="${l.rttMs ?? ''}"${style} title="${esc(title)}"><div class="rtt">${l.up ? esc(fmtRtt(l.rttMs)) : 'DOWN'}</div><div class="sub">${detail}${l.fresh ? '' : ' · <b>stale</b>'}</div>${answering}</td>`;
        })
        .join('');
      return `<tr data-region="${esc(r.id)}"><th scope="row" class="region-head"><div class="region-id">${esc(r.id)}</div><div class="edge-sub">${esc(r.aws)}${r.default ? ' · default' : ''}</div><div class="edge-sub">${probeTxt}</div></th>${cells}</tr>`;
    })
    .join('');
  return `<table class="matrix"><thead><tr><th class="corner">region ↓ · edge →</th>${head}</tr></thead><tbody>${rows}</tbody></table>
<div class="legend"><span><i class="sw" style="background:${heatColor(2)}"></i>fast</span><span><i class="sw" style="background:${heatColor(30)}"></i>30 ms</span><span><i class="sw" style="background:${heatColor(250)}"></i>slow</span><span><i class="sw down"></i>down</span><span><i class="sw stale"></i>stale</span><span><i class="sw chosen"></i>★ the region's answer</span></div>`;
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

function describe(ev: TimelineEvent): { icon: string; cls: string; text: string } {
  switch (ev.kind) {
    case 'answer':
      return {
        icon: '⇄',
        cls: ev.toMode === 'ranked' ? 'answer' : 'alarm',
        text: `<b>${esc(ev.service)}</b> in <b>${esc(ev.region)}</b>: ${esc(ev.from.join(', ') || '—')} → <b>${esc(ev.to.join(', ') || '—')}</b> <span class="why">${esc(ev.reason)}</span>`,
      };
    case 'verdict':
      return {
        icon: ev.to === 'down' ? '▼' : '▲',
        cls: ev.to === 'down' ? 'alarm' : 'recover',
        text: `edge <b>${esc(ev.edge)}</b> ${ev.to.toUpperCase()} <span class="why">${esc(ev.reason)}</span>`,
      };
    case 'policy':
      return { icon: '✎', cls: ev.result === 'applied' ? 'policy' : 'alarm', text: `${esc(ev.message)}` };
  }
}

function renderTimeline(events: TimelineEvent[], now: number): string {
  if (events.length === 0) return '<p class="muted">No failovers or verdict changes yet.</p>';
  const items = events
    .map((ev) => {
      const d = describe(ev);
      return `<li class="ev ${d.cls}" data-kind="${ev.kind}" data-at="${ev.at}"><span class="icon">${d.icon}</span><time datetime="${new Date(ev.at).toISOString()}" data-clock="${ev.at}">${fmtClock(ev.at)}</time><span class="ago">${since(ev.at, now)} ago</span><span class="text">${d.text}</span></li>`;
    })
    .join('');
  return `<ol class="timeline">${items}</ol>`;
}
