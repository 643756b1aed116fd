import { decide, ingest, initialState } from '@edgesteer/core';
import { syntheticFleet } from '/work/main/bench/lib/synthetic-fleet.mjs';
const fleet = syntheticFleet({});
const { policy, round, edges, regionIds, baseRtt } = fleet;
let state = initialState();
for (let i = 0; i < 20; i++) state = ingest(state, policy, round());
const flapEdge = edges[11].id;
const mode = process.argv[2];
const acc = [[0,0,0],[0,0,0]];
for (let i = 0; i < 600; i++) {
  const obs = round();
  const at = fleet.advance(1000);
  if (mode === 'flap') for (let r = 0; r < regionIds.length; r++) for (let k = 0; k < 3; k++) {
    const o = { probeRegion: regionIds[r], edge: flapEdge, at: at + r * 10 + k };
    obs.push(i % 2 === 0 ? { ...o, ok: false, reason: 'refused' } : { ...o, ok: true, connectMs: baseRtt[r][11] });
  }
  state = ingest(state, policy, obs);
  globalThis.__C = [0,0,0];
  const d = decide(policy, state, fleet.clock() + 2000);
  if (i >= 100) for (let k = 0; k < 3; k++) acc[i % 2][k] += globalThis.__C[k] / 250;
  state = d.state;
}
console.log(mode, 'even route/memo/service', acc[0].map(x => x.toFixed(2)).join(' '), 'odd', acc[1].map(x => x.toFixed(2)).join(' '));
