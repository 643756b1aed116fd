/**
 * The recorded incident of the replay tests (not exported from the
 * package): three regions, one edge in each, probes checking every edge
 * from every region once a second, T0 + i s for i = 0..209:
 *
 *   0–29    all well
 *   30–59   euw1 dead (every region's check fails)
 *   60–119  euw1 flapping: 5 s answering, 5 s failing (60–64 ok, 65–69 fail, ..., 115–119 fail)
 *   120–179 eu-west's probe partitioned: its checks of every edge fail, the others are fine
 *   180–209 all well
 *
 * Each region is closest to its own edge (10 ms); the others are far.
 */
import { PolicySchema, type Policy } from '@edgesteer/policy';
import type { Observation } from '@edgesteer/core';

export const T0 = 1_700_000_000_000;
export const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
export const EDGES = ['use1', 'euw1', 'aps1'] as const;

const RTT: Record<string, Record<string, number>> = {
  'us-east': { use1: 10, euw1: 80, aps1: 200 },
  'eu-west': { use1: 80, euw1: 10, aps1: 150 },
  'ap-south': { use1: 200, euw1: 150, aps1: 10 },
};

/** Does the check of `edge` from `region` at second `i` fail? */
export function fails(i: number, region: string, edge: string): boolean {
  if (edge === 'euw1' && i >= 30 && i < 60) return true;
  if (edge === 'euw1' && i >= 60 && i < 120) return Math.floor((i - 60) / 5) % 2 === 1;
  if (region === 'eu-west' && i >= 120 && i < 180) return true;
  return false;
}

/** Every observation of the incident, in time order. */
export function incident(): Observation[] {
  const out: Observation[] = [];
  for (let i = 0; i < 210; i++) {
    for (const region of REGIONS) {
      for (const edge of EDGES) {
        const at = T0 + i * 1000;
        out.push(fails(i, region, edge) ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' } : { probeRegion: region, edge, at, ok: true, connectMs: RTT[region]![edge]! });
      }
    }
  }
  return out;
}

/** The incident's policy with the given check thresholds and quorum (hysteresis and the rest at their defaults). */
export function incidentPolicy(check: { rise: number; fall: number }, quorum: number): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'replay-test',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16'] },
      { id: 'ap-south', aws: 'ap-south-1', clientCidrs: ['10.3.0.0/16'] },
    ],
    edges: EDGES.map((id, k) => ({ id, region: REGIONS[k], ipv4: [`127.0.0.${11 + k}`], check: { type: 'http', port: 8080, ...check } })),
    services: [{ id: 'cdn', name: 'cdn.example.com', edges: [...EDGES] }],
    health: { quorum, staleAfterMs: 30_000, rttAlpha: 1 },
  });
}
