/**
 * Hot reload of the client map: a changed policy or database file
 * recompiles in the background while the old map answers; a corrupt
 * database is rejected with a clear error and the old map keeps serving.
 * Answers are read by dig (independent of our codec).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { embeddedDatabasePath } from '@edgesteer/geo';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from './index.js';
import { captureLogger, eventually } from './test-support.js';

const run = promisify(execFile);
const servers: DnsServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const policyYaml = (gbRegion?: string) => `version: 1
owner: geo-reload-test
zones:
  - name: example.com
    soa: { mname: ns1.example.com, rname: hostmaster.example.com }
    nameservers: [{ name: ns1.example.com, ipv4: [127.0.0.53] }]
regions:
  - { id: us-east, aws: us-east-1, default: true }
  - { id: eu-west, aws: eu-west-1 }
  - { id: ap-south, aws: ap-southeast-1${gbRegion === 'ap-south' ? ', countries: [GB]' : ''} }
edges:
  - { id: use1, region: us-east, ipv4: [127.0.0.11], check: { type: http, address: 127.0.0.11, port: 80 } }
  - { id: euw1, region: eu-west, ipv4: [127.0.0.12], check: { type: http, address: 127.0.0.12, port: 80 } }
  - { id: aps1, region: ap-south, ipv4: [127.0.0.13], check: { type: http, address: 127.0.0.13, port: 80 } }
services:
  - { id: cdn, name: cdn.example.com, types: [A], edges: [use1, euw1, aps1], answers: 1, ttl: 30 }
geo:
  database: ./geo.mmdb
`;

/** The A answer for a client subnet, as dig (an independent decoder) reads it. */
async function answerFor(port: number, clientIp: string): Promise<string | undefined> {
  const { stdout } = await run('dig', [`@127.0.0.1`, '-p', String(port), 'cdn.example.com', 'A', `+subnet=${clientIp}/${clientIp.includes(':') ? 128 : 32}`, '+short', '+tries=1', '+time=2']);
  return stdout.trim().split('\n')[0] || undefined;
}

describe('client map hot reload', () => {
  it('keeps the old map on a corrupt database, and recompiles on a policy change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgesteer-geo-reload-'));
    dirs.push(dir);
    const db = join(dir, 'geo.mmdb');
    copyFileSync(embeddedDatabasePath(), db);
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policyYaml());
    const cap = captureLogger();
    const s = await startDnsServer({ policyFile: file, port: 0, logger: cap.log });
    servers.push(s);
    const first = s.metrics().clientMap!.hash;
    expect(await answerFor(s.port, '81.2.69.142')).toBe('127.0.0.12'); // GB → eu-west by distance

    // A corrupt database: rejected with its code, the old map keeps answering.
    writeFileSync(db, Buffer.alloc(64 * 1024, 0x42));
    await eventually(() => cap.lines.some((l) => l['event'] === 'client_map_rejected'), 10_000, 'client_map_rejected');
    const rejected = cap.lines.find((l) => l['event'] === 'client_map_rejected')!;
    expect(rejected['code']).toBe('E_GEO_DB_CORRUPT');
    expect(String(rejected['msg'])).toContain(db);
    expect(s.metrics().clientMap!.hash).toBe(first);
    expect(await answerFor(s.port, '81.2.69.142')).toBe('127.0.0.12');

    // Database back, then a policy sending GB to ap-south: the new map answers once compiled.
    copyFileSync(embeddedDatabasePath(), db);
    writeFileSync(file, policyYaml('ap-south'));
    await eventually(async () => (await answerFor(s.port, '81.2.69.142')) === '127.0.0.13', 15_000, 'GB answered from ap-south');
    expect(s.metrics().clientMap!.hash).not.toBe(first);
    expect(await answerFor(s.port, '2a00:1450::1')).toBe('127.0.0.12'); // IE still eu-west
  }, 40_000);
});
