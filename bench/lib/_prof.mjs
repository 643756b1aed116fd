import { decide, ingest, initialState } from '@edgesteer/core';
import { syntheticFleet } from './synthetic-fleet.mjs';
const fleet = syntheticFleet();
let state = initialState();
for (let i = 0; i < 5; i++) state = ingest(state, fleet.policy, fleet.round());
const mode = process.argv[2] ?? 'steady';
const ts = []; let cpu = 0;
for (let i = 0; i < 400; i++) {
  if (mode === 'churn') state = ingest(state, fleet.policy, fleet.round());
  const c = process.cpuUsage();
  const t = performance.now();
  state = decide(fleet.policy, state, fleet.clock() + 2000).state;
  ts.push(performance.now() - t);
  const d = process.cpuUsage(c); if (i >= 100) cpu += (d.user + d.system) / 1000;
}
ts.sort((a,b)=>a-b); console.log(mode, 'p50', ts[200].toFixed(2), 'min', ts[0].toFixed(2), 'cpu/cycle', (cpu/300).toFixed(2));
