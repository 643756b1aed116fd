/**
 * Dashboard stylesheet and page script, served as static text. No build
 * step: the script only swaps server-rendered HTML and ticks relative ages.
 */

export const DASHBOARD_CSS = `
:root { color-scheme: dark; --bg:#0d1117; --panel:#161b22; --line:#30363d; --text:#e6edf3; --muted:#8b949e;
  --up:#2ea043; --down:#da3633; --warn:#d29922; --drain:#8957e5; --accent:#58a6ff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); background:var(--panel); position:sticky; top:0; z-index:2; }
header h1 { font-size:18px; margin:0; letter-spacing:.02em; }
header h1 span { color:var(--accent); }
#conn { margin-left:auto; font-size:12px; color:var(--muted); }
#conn[data-state="live"]::before { content:"●"; color:var(--up); margin-right:6px; }
#conn[data-state="down"]::before { content:"●"; color:var(--down); margin-right:6px; }
main { padding:16px 20px 40px; display:grid; gap:18px; grid-template-columns: minmax(0,3fr) minmax(320px,1.2fr); }
section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); margin:0 0 10px; }
#meta { grid-column:1 / -1; display:flex; flex-wrap:wrap; gap:10px 28px; }
#banner:empty { display:none; }
#banner { grid-column:1 / -1; }
.banner { border:1px solid var(--warn); background:#3a2a05; border-radius:8px; padding:10px 14px; }
.banner ul { margin:6px 0 0; padding-left:20px; }
.stat .label { font-size:11px; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); }
.stat .value { font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; }
.stat code { font-size:15px; }
.wide { grid-column:1 / 2; }
.side { grid-column:2 / 3; grid-row: span 2; }
@media (max-width: 1100px) { main { grid-template-columns: 1fr; } .wide, .side { grid-column:1; grid-row:auto; } }
.scroll { overflow-x:auto; }
table { border-collapse:separate; border-spacing:4px; width:100%; }
th { text-align:left; font-weight:500; vertical-align:top; }
th.corner { color:var(--muted); font-size:11px; font-weight:400; vertical-align:bottom; }
.edge-head { padding:6px 8px; border-radius:6px; border-top:4px solid var(--up); background:#0f141a; min-width:120px; }
.edge-head.down { border-top-color:var(--down); background:#2a1214; }
.edge-head.drain { border-top-color:var(--drain); }
.edge-id, .region-id { font-weight:700; font-size:15px; }
.edge-sub, .sub { color:var(--muted); font-size:11px; }
.edge-reason { color:var(--muted); font-size:11px; margin-top:4px; max-width:220px; }
.region-head { padding:6px 8px; min-width:140px; }
td.cell { border-radius:6px; padding:8px 10px; border-left:4px solid var(--up); min-width:120px; background:#1c2128; transition:background .4s; }
td.cell .rtt { font-size:20px; font-weight:700; font-variant-numeric:tabular-nums; }
td.cell .sub { color:#c9d1d9; opacity:.8; }
td.cell.down { border-left-color:var(--down); background:repeating-linear-gradient(135deg,#4a1416 0 8px,#3a1012 8px 16px); }
td.cell.down .rtt { color:#ffb4b0; }
td.cell.stale { opacity:.45; border-left-style:dashed; }
td.cell.drained { border-left-color:var(--drain); }
td.cell.nodata { border-left-color:var(--line); color:var(--muted); }
td.cell.chosen { box-shadow: inset 0 0 0 2px var(--accent); }
td.cell.chosen .rtt::after { content:" ★"; color:var(--accent); font-size:14px; }
td.cell .svc { color:var(--accent); font-size:11px; font-weight:600; margin-top:2px; }
.legend { display:flex; flex-wrap:wrap; gap:14px; color:var(--muted); font-size:11px; margin-top:8px; }
.legend .sw { display:inline-block; width:12px; height:12px; border-radius:3px; margin-right:5px; vertical-align:-2px; }
.legend .sw.down { background:#4a1416; border-left:3px solid var(--down); }
.legend .sw.stale { background:#1c2128; opacity:.5; border:1px dashed var(--muted); }
.legend .sw.chosen { box-shadow: inset 0 0 0 2px var(--accent); }
td.answer { background:#1c2128; border-radius:6px; padding:8px 10px; }
td.answer.fallback { background:#3a2a05; }
td.answer.closed { background:#4a1416; }
.chip { display:inline-block; padding:2px 8px; margin:0 4px 4px 0; border-radius:999px; border:1px solid var(--line); font-weight:600; }
.chip.first { background:var(--accent); color:#0d1117; border-color:var(--accent); }
.chip.down { text-decoration:line-through; border-color:var(--down); }
.pill { display:inline-block; padding:1px 7px; border-radius:999px; font-size:11px; font-weight:700; letter-spacing:.05em; }
.pill.up { background:var(--up); color:#fff; }
.pill.down { background:var(--down); color:#fff; }
.pill.warn { background:var(--warn); color:#111; }
.pill.drain { background:var(--drain); color:#fff; }
.muted { color:var(--muted); }
ol.timeline { list-style:none; margin:0; padding:0; max-height:70vh; overflow-y:auto; }
.ev { display:grid; grid-template-columns: 20px 64px 1fr; grid-template-areas: "icon time ago" ". text text"; gap:2px 8px; padding:7px 4px; border-bottom:1px solid var(--line); }
.ev .icon { grid-area:icon; text-align:center; }
.ev time { grid-area:time; font-variant-numeric:tabular-nums; color:var(--muted); }
.ev .ago { grid-area:ago; color:var(--muted); font-size:11px; }
.ev .text { grid-area:text; }
.ev .why { display:block; color:var(--muted); font-size:12px; }
.ev.alarm .icon { color:var(--down); }
.ev.recover .icon { color:var(--up); }
.ev.answer .icon { color:var(--accent); }
.ev.policy .icon { color:var(--drain); }
.full { grid-column:1 / -1; }
body[data-conn="lost"] #status .pill, body[data-conn="lost"] .pill { background:#6e7681 !important; color:#0d1117 !important; }
body[data-conn="lost"] main { filter:grayscale(1); opacity:.6; }
#stale:empty { display:none; }
#stale { background:#6e7681; color:#0d1117; font-weight:700; padding:6px 20px; }
.conditions { border:1px solid var(--down); background:#2a1214; border-radius:8px; padding:8px 14px; margin-bottom:8px; }
.conditions ul { margin:0; padding-left:18px; }
.conditions li.warning { color:#f0c674; }
.conditions li.critical b { color:#ff7b72; }
.agreement { margin:0 0 8px; padding:6px 10px; border-radius:6px; }
.agreement.good { background:#0f2a17; border:1px solid var(--up); }
.agreement.warn { background:#3a2a05; border:1px solid var(--warn); }
.agreement.bad { background:#2a1214; border:1px solid var(--down); }
table.planes td, table.planes th { padding:6px 8px; background:#1c2128; border-radius:4px; vertical-align:top; }
table.planes thead th { background:none; color:var(--muted); font-size:11px; font-weight:400; }
table.planes tr.plane-down td, table.planes tr.plane-down th { background:#4a1416; }
table.planes tr.plane-differs td, table.planes tr.plane-differs th { background:#3a1a05; }
table.planes tr.plane-warn td, table.planes tr.plane-warn th { background:#3a2a05; }
table.planes tr.plane-idle td, table.planes tr.plane-idle th { background:#161b22; }
.pill.idle { background:#6e7681; color:#0d1117; }
.agree { color:var(--up); font-weight:700; }
.differ { color:#ff7b72; font-weight:700; }
.r53 { display:inline-block; margin:2px 10px 2px 0; }
.r53-svc { margin-top:4px; }
svg.spark { display:block; margin-top:4px; }
.spark-line { fill:none; stroke:#e6edf3; stroke-width:1.2; opacity:.85; }
.spark-dot { fill:#e6edf3; }
.spark-down { stroke:#ff7b72; stroke-width:2; }
ul.incident { list-style:none; margin:4px 0 0; padding:0; }
ul.incident li.cause { font-weight:600; }
ul.incident li.effect { padding-left:14px; color:#c9d1d9; }
ul.incident li.effect::before { content:"↳ "; color:var(--muted); }
.ev.answer .text > b { color:var(--accent); }
footer { color:var(--muted); font-size:11px; padding:0 20px 20px; }
footer a { color:var(--accent); }
`;

export const DASHBOARD_JS = `
(() => {
  'use strict';
  let offset = 0; // server clock minus browser clock
  let lastHeard = Date.now();
  let lostSince = 0;
  const conn = document.getElementById('conn');
  const staleBar = document.getElementById('stale');
  const fmtAge = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
    const h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + String(m % 60).padStart(2, '0') + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  };
  const clock = (at) => new Date(at).toLocaleTimeString([], { hour12: false });
  const favicon = (color) => {
    const link = document.querySelector('link[rel="icon"]');
    if (link) link.href = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="' + color + '"/></svg>');
  };
  const status = () => {
    const el = document.getElementById('status');
    const level = el ? el.dataset.status : 'ok';
    if (lostSince) return favicon('#6e7681');
    favicon(level === 'critical' ? '#da3633' : level === 'warning' ? '#d29922' : '#2ea043');
  };
  const tick = () => {
    const now = Date.now() + offset;
    for (const el of document.querySelectorAll('[data-since]')) el.textContent = fmtAge(now - Number(el.dataset.since));
    // No frame and no ping for this long: the connection is dead even if the browser has not noticed.
    if (!lostSince && Date.now() - lastHeard > 12000) lost();
    if (lostSince) staleBar.textContent = 'STALE since ' + clock(lostSince) + ' (' + fmtAge(Date.now() - lostSince) + ' ago): lost the connection to the controller; what you see may be out of date. Reconnecting…';
  };
  const localClock = () => {
    for (const el of document.querySelectorAll('time[data-clock]')) el.textContent = clock(Number(el.dataset.clock));
  };
  const lost = () => {
    if (!lostSince) lostSince = lastHeard;
    document.body.dataset.conn = 'lost';
    document.body.dataset.staleSince = String(lostSince);
    conn.dataset.state = 'down';
    conn.textContent = 'disconnected';
    status();
    tick();
  };
  const heard = () => {
    lastHeard = Date.now();
    if (lostSince) {
      lostSince = 0;
      staleBar.textContent = '';
      delete document.body.dataset.staleSince;
    }
    document.body.dataset.conn = 'live';
    conn.dataset.state = 'live';
    conn.textContent = 'live';
  };
  const apply = (view) => {
    heard();
    offset = view.now - Date.now();
    for (const [id, html] of Object.entries(view.sections)) {
      const el = document.getElementById(id);
      if (el) el.innerHTML = html;
    }
    document.body.dataset.tableVersion = String(view.version);
    document.body.dataset.tableHash = view.hash;
    localClock();
    status();
    tick();
  };
  const connect = () => {
    const es = new EventSource('/v1/events');
    es.addEventListener('open', heard);
    es.addEventListener('ping', heard);
    es.addEventListener('view', (e) => apply(JSON.parse(e.data)));
    es.addEventListener('error', lost);
  };
  offset = Number(document.body.dataset.serverNow) - Date.now();
  localClock();
  status();
  tick();
  setInterval(tick, 1000);
  connect();
})();
`;

/** The tab icon (the page script recolours it by status). */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#58a6ff"/><path d="M4 8h8M9 5l3 3-3 3" stroke="#0d1117" stroke-width="1.6" fill="none"/></svg>';
