#!/usr/bin/env node
// Replay speed: a recording of 50 edges × 20 regions checked every second
// (1000 observations a second) replayed through core's decide() with
// @edgesteer/whatif's Replayer, a decision per second of recording, as
// `edgesteer replay` does. Target: one day in under 60 s.
//
//   npm run build && node bench/replay.bench.mjs [--hours 24] [--services 20] [--json]
//
// The recording is generated second by second while it is replayed (a day
// is 86.4 million observations: too many to hold); only the Replayer's
// push()/finish() are timed, generation is reported apart. Every hour one
// edge dies for 2 minutes everywhere and one region's probe is partitioned
// for 1 minute, so the replay has failovers to find.
import os from 'node:os';
import { Replayer } from '@edgesteer/whatif';
import { syntheticFleet } from './lib/synthetic-fleet.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : def;
};
const HOURS = opt('hours', 24);
const SERVICES = opt('services', 20);
const JSON_OUT = args.includes('--json');
const loadStart = os.loadavg().map((x) => Number(x.toFixed(2)));

const fleet = syntheticFleet({ edges: 50, regions: 20, services: SERVICES });
const { policy, regionIds, edges, baseRtt, rand } = fleet;
const E = edges.length;
const R = regionIds.length;
const T0 = 1_700_000_000_000;
const seconds = Math.round(HOURS * 3600);

const replayer = new Replayer(policy, { tickMs: 1000 });
let replayMs = 0;
let genMs = 0;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let s = 0; s < seconds; s++) {
  const g = performance.now();
  const hourSec = s % 3600;
  const hour = Math.floor(s / 3600);
  const deadEdge = hourSec >= 600 && hourSec < 720 ? hour % E : -1;
  const cutRegion = hourSec >= 1800 && hourSec < 1860 ? hour % R : -1;
  const batch = new Array(R * E);
  let k = 0;
  for (let r = 0; r < R; r++) {
    for (let e = 0; e < E; e++) {
      const at = T0 + s * 1000 + r * 10 + e;
      batch[k++] =
        e === deadEdge || r === cutRegion
          ? { probeRegion: regionIds[r], edge: edges[e].id, at, ok: false, reason: 'timeout' }
          : { probeRegion: regionIds[r], edge: edges[e].id, at, ok: true, connectMs: baseRtt[r][e] * (0.97 + rand() * 0.06) };
    }
  }
  const t = performance.now();
  genMs += t - g;
  // Generated in core's order (by time, then region, edge), as the CLI pushes a sorted recording.
  replayer.push(batch, { sorted: true });
  replayMs += performance.now() - t;
}
const t = performance.now();
const result = replayer.finish();
replayMs += performance.now() - t;
const wallMs = performance.now() - wall0;
const cu = process.cpuUsage(cpu0);

const out = {
  fleet: { edges: E, regions: R, services: SERVICES, routes: SERVICES * R },
  recordedSeconds: seconds,
  observations: result.observations.accepted,
  decisions: result.decisions,
  answerChanges: result.changes.length,
  outages: result.outages.length,
  replaySeconds: replayMs / 1000,
  generateSeconds: genMs / 1000,
  wallSeconds: wallMs / 1000,
  cpuSeconds: (cu.user + cu.system) / 1e6,
  observationsPerSecond: result.observations.accepted / (replayMs / 1000),
  node: process.version,
  loadAverage: { start: loadStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
};
if (result.outages.length === 0) throw new Error('the replay found no outage: the generated incidents did not register');
if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
else {
  console.log('## Replay speed\n');
  console.log(
    `${HOURS} h of recording, ${E} edges × ${R} regions checked every second, ${SERVICES} services (${out.fleet.routes} routes): ${out.observations.toLocaleString('en')} observations, ${out.decisions} decisions, ${out.answerChanges} answer changes, ${out.outages} outages found.\n`,
  );
  console.log(`| replay (push + decide) s | observations/s | generating the recording s | wall s | process CPU s |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| ${out.replaySeconds.toFixed(1)} | ${Math.round(out.observationsPerSecond).toLocaleString('en')} | ${out.generateSeconds.toFixed(1)} | ${out.wallSeconds.toFixed(1)} | ${out.cpuSeconds.toFixed(1)} |`);
  console.log(`\nNode ${process.version}; load average at start ${loadStart.join(' ')}, at end ${out.loadAverage.end.join(' ')} (2 cores). Target: one day in < 60 s.`);
}
