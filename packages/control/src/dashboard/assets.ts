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
footer { color:var(--muted); font-size:11px; padding:0 20px 20px; }
footer a { color:var(--accent); }
`;

export const DASHBOARD_JS = `
(() => {
  'use strict';
  let offset = 0; // server clock minus browser clock
  const conn = document.getElementById('conn');
  const fmtAge = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
    const h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + String(m % 60).padStart(2, '0') + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  };
  const tick = () => {
    const now = Date.now() + offset;
    for (const el of document.querySelectorAll('[data-since]')) el.textContent = fmtAge(now - Number(el.dataset.since));
  };
  const localClock = () => {
    for (const el of document.querySelectorAll('time[data-clock]')) el.textContent = new Date(Number(el.dataset.clock)).toLocaleTimeString([], { hour12: false });
  };
  const apply = (view) => {
    offset = view.now - Date.now();
    for (const [id, html] of Object.entries(view.sections)) {
      const el = document.getElementById(id);
      if (el) el.innerHTML = html;
    }
    document.body.dataset.tableVersion = String(view.version);
    document.body.dataset.tableHash = view.hash;
    localClock();
    tick();
  };
  const connect = () => {
    const es = new EventSource('/v1/events');
    es.addEventListener('open', () => { conn.dataset.state = 'live'; conn.textContent = 'live'; });
    es.addEventListener('view', (e) => apply(JSON.parse(e.data)));
    es.addEventListener('error', () => { conn.dataset.state = 'down'; conn.textContent = 'reconnecting…'; });
  };
  offset = Number(document.body.dataset.serverNow) - Date.now();
  localClock();
  tick();
  setInterval(tick, 1000);
  connect();
})();
`;
