import { decide, ingest, initialState } from '@edgesteer/core';
import { syntheticFleet } from '/work/main/bench/lib/synthetic-fleet.mjs';
const fleet = syntheticFleet({});
const { policy, round, edges, regionIds, baseRtt } = fleet;
let state = initialState();
for (let i = 0; i < 20; i++) state = ingest(state, policy, round());
let t = []; let cpu = 0; let changed = 0;
const flapEdge = edges[11].id;
let prev;
for (let i = 0; i < 800; i++) {
  const obs = round();
  const at = fleet.advance(1000);
  for (let r = 0; r < regionIds.length; r++) for (let k = 0; k < 3; k++) {
    const o = { probeRegion: regionIds[r], edge: flapEdge, at: at + r * 10 + k };
    obs.push(i % 2 === 0 ? { ...o, ok: false, reason: 'refused' } : { ...o, ok: true, connectMs: baseRtt[r][11] });
  }
  state = ingest(state, policy, obs);
  const c = process.cpuUsage();
  const t0 = performance.now();
  const d = decide(policy, state, fleet.clock() + 2000);
  t.push(performance.now() - t0);
  if (i >= 100) { const u = process.cpuUsage(c); cpu += u.user + u.system; }
  if (i >= 100 && prev) for (const [sid, s] of Object.entries(d.table.services)) for (const [rid, e] of Object.entries(s.regions)) if (prev.services[sid].regions[rid].ranked !== e.ranked) changed++;
  prev = d.table;
  state = d.state;
}
const ev = t.slice(100).filter((_, i) => i % 2 === 0).sort((a, b) => a - b), od = t.slice(100).filter((_, i) => i % 2 === 1).sort((a, b) => a - b); console.log("even p50", ev[ev.length >> 1].toFixed(2), "odd p50", od[od.length >> 1].toFixed(2)); t = t.slice(100).sort((a, b) => a - b);
console.log('flap p50', t[t.length >> 1].toFixed(2), 'min', t[0].toFixed(2), 'cpu mean', (cpu / 700 / 1000).toFixed(2), 'changed/cycle', (changed / 700).toFixed(0));
const T = globalThis.__T.slice(100);
for (const par of [0, 1]) {
  const rows = T.filter((_, i) => i % 2 === par);
  const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1].toFixed(2);
  console.log(par ? 'odd' : 'even', 'prep', med(0), 'loop', med(1), 'order', med(2), 'hash', med(3));
}
