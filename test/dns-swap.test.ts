/**
 * Swapping the routing table under load: `edgesteer dns` follows a
 * controller whose table changes every few milliseconds while a UDP client
 * and a dig loop query it. Every answer must be exactly the answer of one
 * published table (no mix of two, no empty answer, nothing lost), and the
 * tables seen in answers never go backwards.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableForPolicy, tableHash, type RoutingTable } from '@edgesteer/core';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { loadPolicyFile, type Policy } from '@edgesteer/policy';
import { dig } from './support/dns-dig.js';
import { startFakeController, type FakeController } from './support/dns-fake-controller.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';
import { decodeIndependent } from '@edgesteer/dns-server/testing';

const POLICY = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;
const FIRST = 100;
const BIG_EDGES = Array.from({ length: 8 }, (_, i) => `big${i + 1}`);
/** Ordered pairs of distinct big edges: 56 distinguishable answers. */
const PAIRS = BIG_EDGES.flatMap((a) => BIG_EDGES.filter((b) => b !== a).map((b) => [a, b]));

let policy: Policy;
let controller: FakeController;
let dns: DnsProcess;

function tableFor(version: number): RoutingTable {
  const base = structuredClone(tableForPolicy(policy, 1_700_000_000_000 + version));
  const pair = PAIRS[(version - FIRST) % PAIRS.length]!;
  const big = base.services['big']!;
  for (const r of Object.keys(big.regions)) big.regions[r] = { answer: pair, ranked: pair, mode: 'ranked' };
  const t = { ...base, version };
  return { ...t, hash: tableHash(t) };
}

/** Sorted addresses of a version's big.example.com answer. */
function addressesOf(version: number): string {
  const pair = PAIRS[(version - FIRST) % PAIRS.length]!;
  const edges = new Map(policy.edges.map((e) => [e.id, e]));
  return pair.flatMap((id) => edges.get(id)!.ipv4).sort().join(',');
}

beforeAll(async () => {
  const r = await loadPolicyFile(POLICY);
  if (!r.ok) throw new Error('fixture policy invalid');
  policy = r.policy;
  controller = await startFakeController(tableFor(FIRST));
  dns = await startDnsProcess(['--policy', POLICY, '--listen', '127.0.0.1:0', '--controller', controller.url]);
  await dns.waitForLog((l) => l.msg === 'routing table changed' && l['tableVersion'] === FIRST);
});

afterAll(async () => {
  await dns?.stop();
  await controller?.close();
});

describe('table swap under load', () => {
  it('answers every query from exactly one table, in order, while the table changes every 15 ms', async () => {
    const published: number[] = [FIRST];
    const byAddresses = new Map<string, number[]>();
    const SWAPS = 120;
    for (let v = FIRST; v <= FIRST + SWAPS; v++) {
      const key = addressesOf(v);
      byAddresses.set(key, [...(byAddresses.get(key) ?? []), v]);
    }

    // Swapper.
    let current = FIRST;
    const swapping = (async () => {
      for (let i = 1; i <= SWAPS; i++) {
        await new Promise((r) => setTimeout(r, 15));
        current = FIRST + i;
        published.push(current);
        controller.setTable(tableFor(current));
      }
    })();

    // UDP client: 16 queries outstanding, alternating big A (with ECS) and SOA.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const pending = new Map<number, { type: number; sentAt: number }>();
    const seen: Array<{ kind: 'a' | 'soa'; versions: number[] }> = [];
    const problems: string[] = [];
    let sent = 0;
    let received = 0;
    let nextId = 1;
    let stopSending = false;
    const sendOne = () => {
      const id = nextId++ & 0xffff;
      const type = id % 2 === 0 ? TYPE.A : TYPE.SOA;
      const q = encodeQuery({ id, name: type === TYPE.A ? 'big.example.com' : 'example.com', type, edns: { ecs: ecsFromCidr('10.2.3.0/24') } });
      pending.set(id, { type, sentAt: Date.now() });
      sent++;
      sock.send(q, dns.port, '127.0.0.1');
    };
    const done = new Promise<void>((resolve) => {
      sock.on('message', (msg) => {
        const res = decodeIndependent(msg);
        const p = pending.get(res.id);
        if (!p) return void problems.push(`unexpected id ${res.id}`);
        pending.delete(res.id);
        received++;
        if (res.rcode !== 0 || res.flags.tc) problems.push(`id ${res.id}: rcode ${res.rcode} tc ${res.flags.tc}`);
        if (p.type === TYPE.A) {
          const key = res.answers.map((a) => (a.data.kind === 'address' ? a.data.address : '?')).sort().join(',');
          const versions = byAddresses.get(key);
          if (!versions) problems.push(`id ${res.id}: answer ${key || '(empty)'} is no table's answer`);
          else seen.push({ kind: 'a', versions });
        } else {
          const soa = res.answers[0]?.data;
          const serial = soa?.kind === 'soa' ? soa.soa.serial : -1;
          if (serial < FIRST || serial > FIRST + SWAPS) problems.push(`id ${res.id}: SOA serial ${serial} is no table's version`);
          else seen.push({ kind: 'soa', versions: [serial] });
        }
        if (!stopSending) sendOne();
        else if (pending.size === 0) resolve();
      });
    });
    for (let i = 0; i < 16; i++) sendOne();

    // A loop of real dig queries at the same time.
    const digVersions: number[][] = [];
    const digging = (async () => {
      while (!stopSending) {
        const r = await dig('127.0.0.1', dns.port, ['big.example.com', 'A', '+norec', '+subnet=10.3.0.0/16']);
        const key = r.answer.map((l) => l.split(' ').pop()).sort().join(',');
        const versions = byAddresses.get(key);
        if (r.status !== 'NOERROR' || !versions) problems.push(`dig: ${r.status} ${key || '(empty)'}`);
        else digVersions.push(versions);
      }
    })();

    await swapping;
    // Let the last table arrive, then stop.
    await dns.waitForLog((l) => l.msg === 'routing table changed' && l['tableVersion'] === FIRST + SWAPS);
    stopSending = true;
    const timeout = setTimeout(() => problems.push(`lost: ${pending.size} queries unanswered`), 3000);
    await Promise.race([done, new Promise((r) => setTimeout(r, 3100))]);
    clearTimeout(timeout);
    await digging;
    sock.close();

    expect(problems).toEqual([]);
    expect(received).toBe(sent);
    expect(sent).toBeGreaterThan(1000);

    // Versions never go backwards in the order the server answered (a pair can repeat every 56 versions: take the lowest candidate that keeps order).
    const monotonic = (seq: number[][]) => {
      let last = FIRST;
      for (const candidates of seq) {
        const next = candidates.filter((v) => v >= last).sort((a, b) => a - b)[0];
        if (next === undefined) return false;
        last = next;
      }
      return true;
    };
    expect(monotonic(seen.map((s) => s.versions))).toBe(true);
    expect(monotonic(digVersions)).toBe(true);
    // The load really spanned many tables.
    const distinctSerials = new Set(seen.filter((s) => s.kind === 'soa').map((s) => s.versions[0]));
    expect(distinctSerials.size).toBeGreaterThan(20);
    expect(digVersions.length).toBeGreaterThan(5);

    // Afterwards: the final table.
    const last = await dig('127.0.0.1', dns.port, ['big.example.com', '+norec']);
    expect(last.answer.map((l) => l.split(' ').pop()).sort().join(',')).toBe(addressesOf(FIRST + SWAPS));
    expect(current).toBe(FIRST + SWAPS);
    // The follower used long polls, not a tight loop.
    expect(controller.requests.some((r) => r.url.startsWith('/v1/table?wait='))).toBe(true);
  });
});
