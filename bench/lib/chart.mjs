/**
 * Hand-written SVG chart for the report: qps as a ratio of gdnsd's, p99
 * latency at the load levels, and median failover time at the fastest
 * settings. No dependencies; plain <rect>/<text>.
 */

const COLORS = { edgesteer: '#2563eb', gdnsd: '#16a34a', pdns: '#d97706', knot: '#6b7280', 'edgesteer-worker': '#7c3aed' };
const color = (id) => COLORS[id] ?? '#0891b2';
const SHORT = { edgesteer: 'edgesteer', gdnsd: 'gdnsd', pdns: 'PowerDNS-LUA', knot: 'Knot (static)' };
const short = (id) => SHORT[id] ?? id;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One horizontal bar panel.
 * @param {{ title: string, rows: Array<{ label: string, value: number, id: string, text: string }>, y: number, width: number, refLine?: { value: number, label: string } }} p
 */
function barPanel({ title, rows, y, width, refLine, logMin }) {
  const rowH = 26;
  const left = 180;
  const right = width - 230;
  const finite = rows.filter((r) => Number.isFinite(r.value));
  const maxV = Math.max(refLine?.value ?? 0, ...finite.map((r) => r.value), 1e-9);
  // logMin: log scale from logMin to the largest value (times that span decades).
  const x = logMin
    ? (v) => left + ((right - left) * Math.log10(Math.max(v, logMin) / logMin)) / Math.log10(Math.max(maxV, logMin * 10) / logMin)
    : (v) => left + ((right - left) * v) / maxV;
  let s = `<text x="16" y="${y + 18}" font-size="15" font-weight="bold">${esc(title)}</text>\n`;
  rows.forEach((r, i) => {
    const yy = y + 30 + i * rowH;
    s += `<text x="${left - 8}" y="${yy + 16}" font-size="12" text-anchor="end">${esc(r.label)}</text>\n`;
    if (Number.isFinite(r.value)) {
      s += `<rect x="${left}" y="${yy + 3}" width="${Math.max(1, x(r.value) - left).toFixed(1)}" height="${rowH - 8}" fill="${color(r.id)}" rx="2"/>\n`;
      s += `<text x="${(x(r.value) + 6).toFixed(1)}" y="${yy + 16}" font-size="12">${esc(r.text)}</text>\n`;
    } else {
      s += `<text x="${left + 6}" y="${yy + 16}" font-size="12" fill="#9ca3af">${esc(r.text)}</text>\n`;
    }
  });
  const h = 30 + rows.length * rowH;
  if (refLine) {
    const rx = x(refLine.value).toFixed(1);
    s += `<line x1="${rx}" y1="${y + 26}" x2="${rx}" y2="${y + h}" stroke="#dc2626" stroke-dasharray="4 3"/>\n`;
    s += `<text x="${rx}" y="${y + h + 12}" font-size="11" fill="#dc2626" text-anchor="middle">${esc(refLine.label)}</text>\n`;
  }
  return { svg: s, height: h + (refLine ? 24 : 10) };
}

/** Builds the SVG from the bench result object. */
export function renderChart(res) {
  const width = 820;
  let y = 10;
  let body = '';
  const add = (panel) => { body += panel.svg; y += panel.height + 14; };

  const tp = res.throughput ?? {};
  const g = tp.gdnsd?.max?.qps;
  const ids = Object.keys(tp);
  if (ids.length) {
    add(barPanel({
      title: `Max qps as a ratio of gdnsd's (same run, dnsperf, ${res.meta.mode})`,
      y, width,
      rows: ids.map((id) => ({ id, label: short(id), value: g ? tp[id].max.qps / g : NaN, text: g ? `${(tp[id].max.qps / g).toFixed(2)}× (${Math.round(tp[id].max.qps).toLocaleString('en-US')} qps)` : 'n/a' })),
      refLine: g ? { value: 1, label: 'gdnsd = 1.0' } : undefined,
    }));
    const levels = res.meta.loadLevels ?? [];
    const rows = [];
    for (const id of ids) for (const l of tp[id].levels) {
      const f = Math.round(l.fraction * 100);
      if (!levels.includes(l.fraction)) continue;
      rows.push({ id, label: `${short(id)} @ ${f}%`, value: l.p99Ms, text: `p99 ${l.p99Ms.toFixed(3)} ms${l.lost ? `, ${l.lost} lost` : ''}` });
    }
    add(barPanel({ title: `p99 latency at 25/50/75% of ${res.meta.referenceId}'s max qps (ms, log scale)`, y, width, rows, refLine: { value: 1, label: '1 ms target' }, logMin: 0.01 }));
  }
  const fo = res.failover ?? {};
  const foRows = [];
  for (const [id, bySetting] of Object.entries(fo)) for (const [setting, r] of Object.entries(bySetting)) {
    if (r.error) { foRows.push({ id, label: `${short(id)} (${setting})`, value: NaN, text: 'error' }); continue; }
    if (r.failoverMedianMs === null) { foRows.push({ id, label: `${short(id)} (${setting})`, value: r.failoverTimeoutMs / 1000, text: `no failover within ${r.failoverTimeoutMs / 1000} s` }); continue; }
    foRows.push({ id, label: `${short(id)} (${setting})`, value: r.failoverMedianMs / 1000, text: `${(r.failoverMedianMs / 1000).toFixed(2)} s median, worst ${r.failoverWorstMs === null ? 'timeout' : (r.failoverWorstMs / 1000).toFixed(2) + ' s'}` });
  }
  if (foRows.length) add(barPanel({ title: 'Failover time, median of trials (s, log scale)', y, width, rows: foRows, refLine: { value: 1.5, label: '1.5 s target' }, logMin: 0.02 }));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 20}" viewBox="0 0 ${width} ${y + 20}" font-family="system-ui, sans-serif">\n<rect width="100%" height="100%" fill="#ffffff"/>\n`;
  const foot = `<text x="16" y="${y + 8}" font-size="10" fill="#6b7280">${esc(`edgesteer bench ${res.meta.startedAt} · ${res.meta.cpus} cores, shared machine (±15% noise between runs; compare within one run)`)}</text>\n</svg>\n`;
  return head + body + foot;
}
