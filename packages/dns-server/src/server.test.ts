import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UDPClient } from 'dns2';
import { tableForPolicy } from '@edgesteer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from './index.js';
import { captureLogger, eventually, testPolicy, udpQuery } from './test-support.js';

const servers: DnsServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const policyYaml = (ttl: number, euAddress = '127.0.0.12') => `version: 1
owner: dns-server-test
zones:
  - name: example.com
    soa: { mname: ns1.example.com, rname: hostmaster.example.com }
    nameservers: [{ name: ns1.example.com, ipv4: [127.0.0.53] }]
regions:
  - { id: us-east, aws: us-east-1, clientCidrs: [10.1.0.0/16], default: true }
  - { id: eu-west, aws: eu-west-1, clientCidrs: [10.2.0.0/16] }
edges:
  - { id: use1, region: us-east, ipv4: [127.0.0.11], check: { type: http, address: 127.0.0.11, port: 80 } }
  - { id: euw1, region: eu-west, ipv4: [${euAddress}], check: { type: http, address: ${euAddress}, port: 80 } }
services:
  - { id: cdn, name: cdn.example.com, types: [A], edges: [use1, euw1], answers: 1, ttl: ${ttl} }
`;

describe('startDnsServer', () => {
  it('answers what dns2, an independent DNS implementation, decodes the same way (ECS and source address)', async () => {
    const s = await startDnsServer({ policy: testPolicy(), port: 0, logger: captureLogger().log });
    servers.push(s);
    const resolve = UDPClient({ dns: '127.0.0.1', port: s.port, retryOverTCP: false });
    const viaEcs = await resolve('cdn.example.com', 'A', 1, { clientIp: '10.2.3.4', recursive: false });
    expect(viaEcs.answers.map((a) => [a.name, a.ttl, a.address])).toEqual([['cdn.example.com', 30, '127.0.0.12']]);
    expect(viaEcs.header).toMatchObject({ qr: 1, aa: 1, ra: 0, rcode: 0 });
    const viaSource = await resolve('cdn.example.com', 'A', 1, { recursive: false });
    expect(viaSource.answers.map((a) => a.address)).toEqual(['127.0.0.11']);
    const nx = await resolve('nope.example.com', 'A', 1, { recursive: false });
    expect(nx.header.rcode).toBe(3);
    expect(nx.authorities.map((a) => [a.name, a.type])).toEqual([['example.com', 6]]);
  });

  it('swaps tables atomically through setTable and reports the version in metrics', async () => {
    const policy = testPolicy();
    const s = await startDnsServer({ policy, port: 0, logger: captureLogger().log });
    servers.push(s);
    expect((await udpQuery(s.port, 'cdn.example.com', 1, '10.2.0.0/16')).answers[0]?.data).toEqual({ kind: 'address', address: '127.0.0.12' });
    const t = structuredClone(tableForPolicy(policy, Date.now()));
    t.services['cdn']!.regions['eu-west'] = { answer: ['use1'], ranked: ['use1'], mode: 'ranked' };
    s.setTable({ ...t, version: 42, hash: 'h42' });
    expect((await udpQuery(s.port, 'cdn.example.com', 1, '10.2.0.0/16')).answers[0]?.data).toEqual({ kind: 'address', address: '127.0.0.11' });
    const soa = await udpQuery(s.port, 'example.com', 6);
    expect(soa.answers[0]?.data).toMatchObject({ kind: 'soa', soa: { serial: 42 } });
    expect(s.metrics().table).toMatchObject({ version: 42, hash: 'h42', source: 'local' });
    expect(s.metrics().byRcode['NOERROR']).toBe(3);
  });

  it('warns once when the table was computed from another policy', async () => {
    const policy = testPolicy();
    const { log, lines } = captureLogger();
    const s = await startDnsServer({ policy, port: 0, logger: log });
    servers.push(s);
    const t = tableForPolicy(policy, Date.now());
    expect(lines.filter((l) => l['code'] === 'E_DNS_TABLE_POLICY_MISMATCH')).toEqual([]);
    s.setTable({ ...t, version: 2, hash: 'a', policyHash: 'other-policy' });
    s.setTable({ ...t, version: 3, hash: 'b', policyHash: 'other-policy' });
    const warned = lines.filter((l) => l['code'] === 'E_DNS_TABLE_POLICY_MISMATCH');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ tablePolicyHash: 'other-policy', tableVersion: 2 });
    expect((await udpQuery(s.port, 'cdn.example.com')).answers).toHaveLength(1);
  });

  it('reloads the policy file on change, and keeps serving the old policy when the new one is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgesteer-dns-'));
    dirs.push(dir);
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policyYaml(30));
    const { log, lines } = captureLogger();
    const s = await startDnsServer({ policyFile: file, port: 0, logger: log });
    servers.push(s);
    expect((await udpQuery(s.port, 'cdn.example.com')).answers[0]?.ttl).toBe(30);

    writeFileSync(file, policyYaml(45));
    await eventually(async () => (await udpQuery(s.port, 'cdn.example.com')).answers[0]?.ttl === 45, 5000, 'the new TTL');
    expect(lines.some((l) => l.msg === 'policy reloaded' && l['reason'] === 'file change')).toBe(true);
    const versionAfterReload = s.table.version;

    writeFileSync(file, policyYaml(45, '127.0.0.300'));
    await eventually(() => lines.some((l) => l.msg === 'policy rejected; still serving the previous policy'), 5000, 'the rejection');
    const problem = lines.find((l) => l.level === 50 && /policy\.yaml:\d+:\d+ /.test(l.msg));
    expect(problem?.msg).toMatch(/127\.0\.0\.300/);
    expect(problem?.['code']).toBe('E_POLICY_INVALID');
    expect((await udpQuery(s.port, 'cdn.example.com', 1, '10.2.0.0/16')).answers[0]?.data).toEqual({ kind: 'address', address: '127.0.0.12' });
    expect(s.table.version).toBe(versionAfterReload);

    writeFileSync(file, policyYaml(60));
    expect(await s.reload()).toBe(true);
    expect((await udpQuery(s.port, 'cdn.example.com')).answers[0]?.ttl).toBe(60);
    // Local tables keep a rising version (the SOA serial) across reloads.
    expect(s.table.version).toBeGreaterThan(versionAfterReload);
  });

  it('refuses to start on an invalid policy file, listing the problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgesteer-dns-'));
    dirs.push(dir);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, policyYaml(0));
    await expect(startDnsServer({ policyFile: file, port: 0, logger: captureLogger().log })).rejects.toMatchObject({
      code: 'E_POLICY_INVALID',
      message: expect.stringMatching(/bad\.yaml:\d+:\d+ .*ttl/) as string,
    });
  });

  it('reports the port when asked for port 0, on UDP and TCP alike', async () => {
    const { log, lines } = captureLogger();
    const s = await startDnsServer({ policy: testPolicy(), port: 0, logger: log });
    servers.push(s);
    expect(s.port).toBeGreaterThan(0);
    expect(lines.find((l) => l.msg === 'dns server ready')).toMatchObject({ listen: `127.0.0.1:${s.port}`, workers: 1 });
  });
});

// Both UDP paths answer from the same engine; the batched one needs the addon (npm run build / npm test build it).
describe.each(['batched', 'dgram'] as const)('UDP path %s', (udp) => {
  it('answers steered, static and NXDOMAIN queries (decoded by dns-packet) and reports the path in metrics', async () => {
    const s = await startDnsServer({ policy: testPolicy(), port: 0, udp, logger: captureLogger().log });
    servers.push(s);
    expect(s.metrics().udpPath).toBe(udp);
    const [eu, us, soa, nx] = await Promise.all([
      udpQuery(s.port, 'cdn.example.com', 1, '10.2.0.0/16'),
      udpQuery(s.port, 'cdn.example.com', 1, '10.1.0.0/16'),
      udpQuery(s.port, 'example.com', 6),
      udpQuery(s.port, 'nope.example.com', 1),
    ]);
    expect(eu.answers.map((a) => a.data)).toEqual([{ kind: 'address', address: '127.0.0.12' }]);
    expect(eu.edns?.ecs).toMatchObject({ sourcePrefix: 16, scopePrefix: 16 });
    expect(us.answers.map((a) => a.data)).toEqual([{ kind: 'address', address: '127.0.0.11' }]);
    expect(soa.answers[0]?.data).toMatchObject({ kind: 'soa' });
    expect(nx.rcode).toBe(3);
    expect(s.metrics().byTransport.udp).toBe(4);
  });
});
