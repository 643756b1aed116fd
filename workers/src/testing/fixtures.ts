/**
 * Test fixtures shared by the Worker's unit tests, the workerd and Node
 * end-to-end tests and the cross-plane conformance test
 * (`@edgesteer/worker/testing`). Not used by the Worker itself.
 */
import { signReport, type Observation, type ProbeKeys, type Report } from '@edgesteer/core';
import { parsePolicy, type Policy } from '@edgesteer/policy/neutral';

/**
 * Three regions with IPv4 and IPv6 client networks, one edge in each, and
 * three services: latency-steered `cdn` (A and AAAA, fail-open), `api`
 * (A only, two answers) and fail-closed `vault` on a single edge. The zone
 * is Route53-managed with native health checks (no CloudWatch needed).
 */
export const TEST_POLICY_YAML = `version: 1
owner: edgesteer-test
zones:
  - name: example.com
    ttl: 300
    soa:
      mname: ns1.example.com
      rname: hostmaster.example.com
      minimum: 60
    nameservers:
      - name: ns1.example.com
        ipv4: [127.0.0.1]
    route53:
      hostedZoneId: Z0EDGESTEERTEST
regions:
  - id: us-east
    aws: us-east-1
    clientCidrs: [10.1.0.0/16, 2001:db8:1::/48]
    default: true
  - id: eu-west
    aws: eu-west-1
    clientCidrs: [10.2.0.0/16, 2001:db8:2::/48]
  - id: ap-south
    aws: ap-southeast-1
    clientCidrs: [10.3.0.0/16, 2001:db8:3::/48]
edges:
  - id: use1
    region: us-east
    ipv4: [127.0.0.11]
    ipv6: [2001:db8:100::11]
    check: { type: http, address: 127.0.0.11, port: 18080, path: /healthz, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, route53: native }
  - id: euw1
    region: eu-west
    ipv4: [127.0.0.12]
    ipv6: [2001:db8:100::12]
    check: { type: https, address: 127.0.0.12, path: /healthz, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, route53: native }
  - id: aps1
    region: ap-south
    ipv4: [127.0.0.13]
    ipv6: [2001:db8:100::13]
    check: { type: http, address: 127.0.0.13, port: 8080, path: /healthz, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, route53: native }
services:
  - id: cdn
    name: cdn.example.com
    types: [A, AAAA]
    edges: [use1, euw1, aps1]
    steering: latency
    answers: 1
    ttl: 30
    hysteresisPct: 20
    fallback: [use1, euw1, aps1]
    failMode: open
  - id: api
    name: api.example.com
    types: [A]
    edges: [use1, euw1]
    answers: 2
    ttl: 20
  - id: vault
    name: vault.example.com
    types: [A]
    edges: [aps1]
    ttl: 10
    failMode: closed
health:
  quorum: 2
  staleAfterMs: 15000
  rttAlpha: 0.3
`;

/** The fixture policy, parsed (throws if the fixture ever stops validating). */
export function testPolicy(): Policy {
  const r = parsePolicy(TEST_POLICY_YAML, 'test-policy.yaml');
  if (!r.ok) throw new Error(`test policy invalid: ${JSON.stringify(r.problems)}`);
  return r.policy;
}

/** One probe per region, `<region>-probe`, each with its own 32-char secret. */
export const TEST_PROBE_KEYS: ProbeKeys = new Map(
  ['us-east', 'eu-west', 'ap-south'].map((region) => [`${region}-probe`, { region, secrets: [`${region}-secret-0123456789abcdef`] }] as const),
);

/** EDGESTEER_PROBE_KEYS text for TEST_PROBE_KEYS (`id region secret`, comma-separated). */
export const TEST_PROBE_KEYS_TEXT = [...TEST_PROBE_KEYS].map(([id, k]) => `${id} ${k.region} ${k.secrets[0]}`).join(',');

/** An observation of `edge` from `region` at `at`: ok with a connect RTT, or a timeout. */
export function observation(region: string, edge: string, at: number, rttMs: number | null): Observation {
  return rttMs === null
    ? { probeRegion: region, edge, at, ok: false, reason: 'timeout', detail: 'no answer within 500 ms' }
    : { probeRegion: region, edge, at, ok: true, connectMs: rttMs, firstByteMs: rttMs + 1 };
}

/** A report body and its signature headers, as a probe of `region` sends it. */
export async function signedReport(region: string, seq: number, observations: Observation[], signedAt: number): Promise<{ body: string; headers: Record<string, string>; report: Report }> {
  const probe = `${region}-probe`;
  const report: Report = { probe, region, seq, sentAt: signedAt, observations };
  const body = JSON.stringify(report);
  const key = TEST_PROBE_KEYS.get(probe)?.secrets[0];
  if (!key) throw new Error(`no test key for ${probe}`);
  const headers = { 'content-type': 'application/json', ...(await signReport(body, key, signedAt)) };
  return { body, headers, report };
}
