#!/usr/bin/env node
/**
 * What the DNS server's answer-time histogram costs per query.
 *
 * Runs the same query mix through DnsEngine.answer() with the histogram
 * off, timing every query (two performance.now() reads and a bucket
 * increment), and timing one query in LATENCY_SAMPLE_EVERY (what ships).
 * Interleaved rounds, medians. The difference is compared with the whole per-query CPU cost of
 * the server under dnsperf (socket syscalls included; about 8 µs on this
 * machine per packages/dns-server/README.md), which is what bounds qps.
 *
 *   npx tsc -b && node bench/dns/histogram-cost.mjs [--queries 400000] [--rounds 7] [--server-us 8]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildAnswerPlane, encodeQuery, ecsFromCidr, TYPE } from '@edgesteer/dns-wire';
import { loadPolicyFile } from '@edgesteer/policy';
import { buildRegionMatcher, tableForPolicy } from '@edgesteer/core';
import { pino } from 'pino';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { DnsEngine } = await import(`${ROOT}packages/dns-server/dist/engine.js`);
const { LatencyHistogram, LATENCY_SAMPLE_EVERY } = await import(`${ROOT}packages/dns-server/dist/latency-histogram.js`);

const args = process.argv.slice(2);
const opt = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const N = opt('queries', 400_000);
const ROUNDS = opt('rounds', 9);
const SERVER_US = opt('server-us', 8);

const loaded = await loadPolicyFile(`${ROOT}config/policy.yaml`);
if (!loaded.ok) throw new Error('config/policy.yaml is invalid');
const plane = buildAnswerPlane(loaded.policy, tableForPolicy(loaded.policy, Date.now()), { matcher: buildRegionMatcher(loaded.policy) });
const queries = [
  ...['10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/24'].map((c) => encodeQuery({ id: 1, name: 'cdn.example.com', type: TYPE.A, edns: { udpSize: 1232, ecs: ecsFromCidr(c) } })),
  encodeQuery({ id: 2, name: 'cdn.example.com', type: TYPE.AAAA, edns: { udpSize: 1232 } }),
  encodeQuery({ id: 3, name: 'example.com', type: TYPE.SOA }),
  encodeQuery({ id: 4, name: 'nope.example.com', type: TYPE.A }),
].map((q) => Buffer.from(q));

const engineWith = (sampleEvery) => {
  const e = new DnsEngine(plane, pino({ level: 'silent' }), 1232);
  // 2^30: the first query is timed, then none (the histogram off); an integer keeps the field's representation the same for all three.
  e.counters.latency = new LatencyHistogram(sampleEvery);
  return e;
};
const variants = [
  ['histogram off', engineWith(2 ** 30)],
  ['every query timed', engineWith(1)],
  [`1 in ${LATENCY_SAMPLE_EVERY} timed (shipped)`, engineWith(LATENCY_SAMPLE_EVERY)],
];
const loop = (engine) => () => {
  for (let i = 0; i < N; i++) if (engine.answer(queries[i % queries.length], '10.9.9.9', 'udp') === null) throw new Error('no answer');
};
const timeNs = (fn) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / N;
};

const VARIANT = args.includes('--variant') ? opt('variant', 0) : undefined;
if (VARIANT !== undefined) {
  // Child: one variant alone in its process (no JIT state shared with the others), warm up, then measure.
  const [, e] = variants[VARIANT];
  loop(e)();
  loop(e)();
  process.stdout.write(`${timeNs(loop(e))}\n`);
  process.exit(0);
}
const runChild = (i) => Number(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--variant', String(i), '--queries', String(N)], { encoding: 'utf8' }).trim());
const results = variants.map(() => []);
for (let r = 0; r < ROUNDS; r++) variants.forEach((_, i) => results[i].push(runChild(i)));
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const base = median(results[0]);
console.log(`engine.answer(), each variant in its own process, median of ${ROUNDS} interleaved runs of ${N} queries; % of a ${SERVER_US} µs server query (≈ qps lost when CPU-bound):`);
variants.forEach(([name], i) => {
  const m = median(results[i]);
  const d = m - base;
  console.log(`  ${name.padEnd(28)} ${m.toFixed(0).padStart(5)} ns/query  ${i === 0 ? '' : `${d >= 0 ? '+' : ''}${d.toFixed(0)} ns = ${((d / (SERVER_US * 1000)) * 100).toFixed(2)}%`}`);
});
