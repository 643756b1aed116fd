import { decide, ingest, initialState } from '@edgesteer/core';
import { syntheticFleet } from '/work/main/bench/lib/synthetic-fleet.mjs';
const fleet = syntheticFleet({});
const { policy, round, edges, regionIds, baseRtt } = fleet;
let state = initialState();
for (let i = 0; i < 20; i++) state = ingest(state, policy, round());
const flapEdge = edges[11].id;
const hist = [];
for (let i = 0; i < 60; i++) {
  const obs = round();
  const at = fleet.advance(1000);
  for (let r = 0; r < regionIds.length; r++) for (let k = 0; k < 3; k++) {
    const o = { probeRegion: regionIds[r], edge: flapEdge, at: at + r * 10 + k };
    obs.push(i % 2 === 0 ? { ...o, ok: false, reason: 'refused' } : { ...o, ok: true, connectMs: baseRtt[r][11] });
  }
  state = ingest(state, policy, obs);
  const d = decide(policy, state, fleet.clock() + 2000);
  hist.push(d.table);
  state = d.state;
  if (i >= 2) {
    let diff2 = 0, ex;
    for (const [sid, s] of Object.entries(d.table.services)) for (const [rid, e] of Object.entries(s.regions)) if (hist[i - 2].services[sid].regions[rid].ranked.join() !== e.ranked.join()) { diff2++; ex ??= [sid, rid, hist[i-2].services[sid].regions[rid].ranked.join(), e.ranked.join()]; }
    if (i > 50 || diff2) console.log(i, 'up', d.table.edges[flapEdge].up, 'diff vs i-2', diff2, ex ? JSON.stringify(ex) : '');
  }
}
