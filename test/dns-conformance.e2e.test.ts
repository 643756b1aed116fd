/**
 * DNS conformance against the real `edgesteer dns` process and the real dig
 * (#14 row 9): `--nsid` answers dig's +nsid, REFUSED carries EDE 20, a
 * TSIG-signed query gets NOTAUTH with a BADKEY TSIG, and NOTIMP keeps the
 * OPT (dig sees an OPT pseudosection). dig prints no header for a refused
 * IXFR ("Transfer failed"), so IXFR/AXFR are checked with dns-packet in
 * packages/dns-wire/src/conformance.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from './support/dns-dig.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';

const POLICY = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;
let dns: DnsProcess;
beforeAll(async () => {
  dns = await startDnsProcess(['--policy', POLICY, '--listen', '127.0.0.1:0', '--nsid', 'ns-e2e-1', '--no-watch']);
});
afterAll(async () => {
  await dns?.stop();
});

describe('edgesteer dns --nsid, EDE, TSIG, NOTIMP (real dig)', () => {
  it.each([
    { name: 'NSID on request', args: ['+nsid', 'cdn.example.com', 'A'], status: 'NOERROR', raw: /; NSID: .*\("ns-e2e-1"\)/ },
    { name: 'EDE 20 on REFUSED', args: ['www.other.org', 'A'], status: 'REFUSED', raw: /; EDE: 20 \(Not Authoritative\)/ },
    { name: 'TSIG with an unknown key', args: ['-y', 'hmac-sha256:nokey.example:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', 'cdn.example.com', 'A'], status: 'NOTAUTH', raw: /nokey\.example\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\. \d+ 300 0\s+\d+ BADKEY 0/ },
    { name: 'opcode STATUS', args: ['+opcode=status', 'example.com', 'SOA'], status: 'NOTIMP', raw: /OPT PSEUDOSECTION[\s\S]*; EDNS: version: 0/ },
  ])('$name → $status', async ({ args, status, raw }) => {
    const r = await dig('127.0.0.1', dns.port, ['+norec', ...args]);
    expect(r.status, r.raw).toBe(status);
    expect(r.raw).toMatch(raw);
  });
});
