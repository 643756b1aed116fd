#!/usr/bin/env node
// Route53 plan at scale: desired state + diff (+ checksum, + batch packing)
// for a 5,000-record layout (179 services × 4 regions × a latency record +
// a failover chain of the 4 edges (6 records), plus as many ownership
// markers), in three situations:
//   first apply   — empty zone, everything to create
//   converged     — zone already matches: the plan must be empty
//   one edge down — the chains re-rank across the zone
// Pure computation, no network: what `edgesteer route53 plan` spends on top
// of reading the zone. Target: under a second for 5,000 records.
//
//   npm run build && node bench/route53-plan.bench.mjs [--services 179] [--runs 20] [--json] [--quick]
import { PolicySchema } from '@edgesteer/policy';
import { policyHash } from '@edgesteer/core';
import { buildPlan, desiredState, packBatches, PENDING_PREFIX, TAG_EDGE, TAG_OWNER } from '@edgesteer/route53';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : def;
};
const QUICK = args.includes('--quick');
const SERVICES = opt('services', 179);
const RUNS = opt('runs', QUICK ? 5 : 20);
const JSON_OUT = args.includes('--json');

const REGIONS = [['eu', 'eu-west-1'], ['us', 'us-east-1'], ['ap', 'ap-southeast-1'], ['sa', 'sa-east-1']];
const policy = PolicySchema.parse({
  version: 1,
  owner: 'bench',
  zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }], route53: { hostedZoneId: 'ZBENCH1' } }],
  regions: REGIONS.map(([id, aws], i) => ({ id, aws, default: i === 0 })),
  edges: REGIONS.map(([r], i) => ({ id: `${r}-1`, region: r, ipv4: [`203.0.113.${i + 1}`], check: { type: 'http', port: 80, path: '/health', route53: 'native' } })),
  services: Array.from({ length: SERVICES }, (_v, i) => ({ id: `svc${i}`, name: `svc${i}.example.com`, edges: REGIONS.map(([r]) => `${r}-1`), types: ['A'] })),
});

/** A routing table: edges that are up, the region's own edge first. */
function table(down = []) {
  const services = {};
  for (const s of policy.services) {
    const regions = {};
    for (const [r] of REGIONS) {
      const up = s.edges.filter((e) => !down.includes(e));
      const ranked = [...up.filter((e) => e.startsWith(`${r}-`)), ...up.filter((e) => !e.startsWith(`${r}-`))];
      regions[r] = { answer: ranked.slice(0, 1), ranked, mode: 'ranked' };
    }
    services[s.id] = { name: s.name, ttl: s.ttl, types: s.types, steering: s.steering, regions };
  }
  return { version: 1, hash: down.join(','), policyHash: policyHash(policy), generatedAt: 0, services, edges: {} };
}

const cloudwatchRegion = 'us-east-1';
const emptyCurrent = { zones: [{ hostedZoneId: 'ZBENCH1', name: 'example.com.', records: [] }], healthChecks: [], alarms: [] };

/** The state Route53 would hold after applying the first plan. */
function convergedCurrent() {
  const { desired } = desiredState(policy, table(), { cloudwatchRegion });
  const plan = buildPlan(desired, emptyCurrent);
  const ids = Object.fromEntries(plan.healthChecks.map((h) => [h.edge, `hc-${h.edge}`]));
  const records = plan.zones[0].units.flatMap((u) => u.changes).map((c) => {
    const r = { ...c.record };
    if (r.healthCheckId?.startsWith(PENDING_PREFIX)) r.healthCheckId = ids[r.healthCheckId.slice(PENDING_PREFIX.length)];
    return r;
  });
  const healthChecks = plan.healthChecks.map((h) => ({ id: ids[h.edge], callerReference: `es-${h.edge}`, version: 1, spec: h.spec, tags: { [TAG_OWNER]: 'bench', [TAG_EDGE]: h.edge } }));
  return { zones: [{ hostedZoneId: 'ZBENCH1', name: 'example.com.', records }], healthChecks, alarms: [] };
}

function measure(name, current, down) {
  const t = table(down);
  const times = [];
  let plan;
  for (let i = 0; i < RUNS + 3; i++) {
    const t0 = performance.now();
    const { desired, warnings } = desiredState(policy, t, { cloudwatchRegion });
    plan = buildPlan(desired, current, { warnings });
    const dt = performance.now() - t0;
    if (i >= 3) times.push(dt);
  }
  const requests = packBatches(plan.zones[0].units).length;
  const s = [...times].sort((a, b) => a - b);
  const zoneRecords = current.zones[0].records.length;
  const changes = plan.zones[0].units.reduce((n, u) => n + u.changes.length, 0);
  return { name, zoneRecords, changes, requests, empty: plan.empty, p50: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

const coldStart = performance.now();
const current = convergedCurrent();
const firstMs = performance.now() - coldStart;
const rows = [
  measure('first apply', emptyCurrent, []),
  measure('converged', current, []),
  measure('one edge down', current, ['eu-1']),
];
if (rows[1].empty !== true) throw new Error('converged plan is not empty');
const owned = current.zones[0].records.length / 2;

if (JSON_OUT) {
  console.log(JSON.stringify({ services: SERVICES, ownedRecords: owned, runs: RUNS, coldFirstPlanMs: firstMs, rows }, null, 2));
} else {
  console.log(`Route53 plan (desired state + diff + checksum), ${owned} records + ${owned} markers, ${RUNS} runs, Node ${process.versions.node}`);
  console.log('');
  console.log('| situation | records in zone | changes | requests | plan p50 | plan max |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.zoneRecords} | ${r.changes} | ${r.requests} | ${r.p50.toFixed(1)} ms | ${r.max.toFixed(1)} ms |`);
  console.log('');
  console.log(`Cold first plan (no JIT warm-up): ${firstMs.toFixed(1)} ms. Target: < 1000 ms for 5,000 records.`);
}
const worst = Math.max(...rows.map((r) => r.max));
if (worst >= 1000) {
  console.error(`route53 plan took ${worst.toFixed(0)} ms: over the 1 s target`);
  process.exitCode = 1;
}
