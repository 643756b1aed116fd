import { decide, ingest, initialState } from '@edgesteer/core';
import { syntheticFleet } from '/work/main/bench/lib/synthetic-fleet.mjs';
const fleet = syntheticFleet({});
const { policy, round } = fleet;
let state = initialState();
for (let i = 0; i < 20; i++) state = ingest(state, policy, round());
const mode = process.argv[2] ?? 'steady';
let t = [];
let cpu = 0;
for (let i = 0; i < 800; i++) {
  if (mode === 'churn') state = ingest(state, policy, round());
  const c = process.cpuUsage();
  const t0 = performance.now();
  const d = decide(policy, state, fleet.clock() + 2000);
  t.push(performance.now() - t0);
  if (i >= 100) { const u = process.cpuUsage(c); cpu += u.user + u.system; }
  state = d.state;
}
t = t.slice(100).sort((a, b) => a - b);
console.log(mode, 'p50', t[t.length >> 1].toFixed(2), 'min', t[0].toFixed(2), 'cpu mean', (cpu / 700 / 1000).toFixed(2));
