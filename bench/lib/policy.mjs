/**
 * The edgesteer policy for the bench scenario, written as JSON (which is
 * also YAML) so the policy loader reads it like any policy file. Check
 * timing comes in two settings: the policy defaults, and the fastest the
 * schema allows while still requiring a cross-region quorum of 2.
 */
import { writeFileSync } from 'node:fs';
import { REGIONS, ZONE, SERVICE_NAME, SERVICE_TTL, NS_NAME, NS_ADDR, HEALTH_PATH, DEFAULT_REGION } from './scenario.mjs';

/** Check and health settings per bench setting. */
export const EDGESTEER_SETTINGS = {
  // The schema's defaults (packages/policy/src/schema.ts).
  default: { intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3, quorum: 2, staleAfterMs: 30_000 },
  // Shortest interval the schema allows, one failed check per region flips
  // that region's view, and still two regions must agree.
  fastest: { intervalMs: 100, timeoutMs: 80, rise: 1, fall: 1, quorum: 2, staleAfterMs: 1000 },
  // The same check settings as every peer gets in the `equal` trials: 1 s
  // interval, one failure = down, one success = up, one vantage point (a
  // single probe, so quorum 1).
  equal: { intervalMs: 1000, timeoutMs: 900, rise: 1, fall: 1, quorum: 1, staleAfterMs: 5000, probes: 1 },
};

/** The controller's decision tick in the failover stack (edgesteer controller --tick-ms). */
export const CONTROLLER_TICK_MS = 50;

export function describeEdgesteerSetting(s) {
  const t = EDGESTEER_SETTINGS[s];
  const probes = t.probes ?? REGIONS.length;
  return `interval ${t.intervalMs} ms, timeout ${t.timeoutMs} ms, fall ${t.fall}, rise ${t.rise}, quorum ${t.quorum} of ${probes} probe(s) (${probes === 1 ? 'one vantage point' : 'one per region'}), health.staleAfterMs ${t.staleAfterMs}, controller --tick-ms ${CONTROLLER_TICK_MS}, dns follows the controller's table`;
}

export function benchPolicy({ edgePort, setting = 'default' }) {
  const t = EDGESTEER_SETTINGS[setting];
  return {
    version: 1,
    owner: 'edgesteer-bench',
    zones: [{
      name: ZONE,
      ttl: 300,
      soa: { mname: NS_NAME, rname: `hostmaster.${ZONE}`, serial: 1, refresh: 3600, retry: 600, expire: 1_209_600, minimum: 60 },
      nameservers: [{ name: NS_NAME, ipv4: [NS_ADDR] }],
    }],
    regions: REGIONS.map((r) => ({ id: r.id, aws: r.aws, clientCidrs: [r.cidr], default: r.id === DEFAULT_REGION })),
    edges: REGIONS.map((r) => ({
      id: r.edge,
      region: r.id,
      ipv4: [r.address],
      check: {
        type: 'http', address: r.address, port: edgePort, path: HEALTH_PATH,
        intervalMs: t.intervalMs, timeoutMs: t.timeoutMs, rise: t.rise, fall: t.fall,
      },
    })),
    services: [{
      id: 'cdn', name: SERVICE_NAME, types: ['A'], edges: REGIONS.map((r) => r.edge),
      steering: 'latency', answers: 1, ttl: SERVICE_TTL,
    }],
    health: { quorum: t.quorum, staleAfterMs: t.staleAfterMs, rttAlpha: 0.3 },
  };
}

export function writeBenchPolicy(path, opts) {
  writeFileSync(path, JSON.stringify(benchPolicy(opts), null, 2) + '\n');
  return path;
}
