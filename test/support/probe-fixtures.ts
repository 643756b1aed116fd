/**
 * Test fixtures for probe tests: a policy around a list of edges, and a
 * self-signed certificate made with openssl at test time (no key material
 * is committed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicySchema, type Policy, type PolicyInput } from '@edgesteer/policy';

export type EdgeInput = PolicyInput['edges'][number];

/** A valid policy with regions eu (default, aws eu-west-1) and us (us-east-1) and one service over `edges`. */
export function testPolicy(edges: EdgeInput[]): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'probe-tests',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: [
      { id: 'eu', aws: 'eu-west-1', default: true, clientCidrs: ['10.1.0.0/16'] },
      { id: 'us', aws: 'us-east-1', clientCidrs: ['10.2.0.0/16'] },
    ],
    edges,
    services: [{ id: 'cdn', name: 'cdn.example.com', edges: edges.map((e) => e.id) }],
  } satisfies PolicyInput);
}

export interface TestCert {
  key: string;
  cert: string;
}

/** A self-signed P-256 certificate for `names` (DNS names and IPs), valid one day. */
export function selfSignedCert(commonName: string, altNames: string[]): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'edgesteer-cert-'));
  try {
    const san = altNames.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? `IP:${n}` : `DNS:${n}`)).join(',');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${san}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
