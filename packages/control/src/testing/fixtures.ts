/**
 * Test fixtures shared by the controller's unit tests and the end-to-end
 * test: a three-region policy, probe keys, signed requests.
 */
import { signReport, type Observation, type ProbeKeys, type Report } from '@edgesteer/core';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';

export const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
export const EDGES = ['use1', 'euw1', 'aps1'] as const;

/** Probe id and key per region (probe id = `probe-<region>`). */
export const PROBE_KEYS: ProbeKeys = new Map(REGIONS.map((r) => [`probe-${r}`, { region: r, secrets: [`secret-for-${r}-0123456789abcdef`] }]));

/** `EDGESTEER_PROBE_KEYS` value matching {@link PROBE_KEYS} (`id region secret`, comma-separated). */
export const PROBE_KEYS_ENV = [...PROBE_KEYS].map(([id, k]) => `${id} ${k.region} ${k.secrets[0]}`).join(',');

/** The fixture policy as an operator would write it (YAML/JSON-ready). */
export function testPolicyInput(over: Partial<PolicyInput> = {}): PolicyInput {
  const edge = (id: string, region: string, last: number) => ({
    id,
    region,
    ipv4: [`127.0.0.${last}`],
    check: { type: 'http' as const, address: `127.0.0.${last}`, port: 18080, path: '/healthz', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2 },
  });
  return {
    version: 1,
    owner: 'edgesteer-test',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.1'] }] }],
    regions: [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16'] },
      { id: 'ap-south', aws: 'ap-southeast-1', clientCidrs: ['10.3.0.0/16'] },
    ],
    edges: [edge('use1', 'us-east', 11), edge('euw1', 'eu-west', 12), edge('aps1', 'ap-south', 13)],
    services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: ['use1', 'euw1', 'aps1'], answers: 1, ttl: 30, fallback: ['use1', 'euw1', 'aps1'] }],
    health: { quorum: 2, staleAfterMs: 15_000, rttAlpha: 0.3 },
    ...over,
  };
}

/** The fixture policy with defaults applied. */
export function testPolicy(over: Partial<PolicyInput> = {}): Policy {
  return PolicySchema.parse(testPolicyInput(over));
}

/**
 * RTT (ms) each region's probe measures to each edge: every region is
 * closest to its own edge, and the other two rank in reverse policy order,
 * so the first measurements change the table (before them, edges rank by
 * home region, then policy order).
 */
export function rttFor(region: string, edge: string): number {
  const home: Record<string, string> = { 'us-east': 'use1', 'eu-west': 'euw1', 'ap-south': 'aps1' };
  return home[region] === edge ? 5 : 60 + REGIONS.indexOf(region as (typeof REGIONS)[number]) * 10 + (2 - EDGES.indexOf(edge as (typeof EDGES)[number])) * 15;
}

/** One observation of every edge from `region` at `at`; edges in `down` fail with a timeout. */
export function roundFrom(region: string, at: number, down: readonly string[] = []): Observation[] {
  return EDGES.map((edge) =>
    down.includes(edge)
      ? { probeRegion: region, edge, at, ok: false, reason: 'timeout' as const, detail: 'no response in 500 ms' }
      : { probeRegion: region, edge, at, ok: true, connectMs: rttFor(region, edge) - 1, firstByteMs: rttFor(region, edge) },
  );
}

/** A report from `region`'s probe. */
export function report(region: string, seq: number, sentAt: number, observations: Observation[]): Report {
  return { probe: `probe-${region}`, region, seq, sentAt, observations };
}

/** Signed POST /v1/observations request parts for a report. */
export async function signed(r: Report, now: number, key?: string): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify(r);
  const secret = key ?? PROBE_KEYS.get(r.probe)?.secrets[0] ?? 'no-such-key-0000000000';
  const headers = await signReport(body, secret, now, r.probe);
  return { body, headers: { ...headers, 'content-type': 'application/json' } };
}
