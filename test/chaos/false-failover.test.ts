/**
 * False failover, end to end with real processes: `edgesteer controller` and
 * `edgesteer dns --controller` as child processes, three real probes (one per
 * region) checking three real HTTP edges on loopback.
 *
 * - Partition: every check of one probe region is cut off (the edges reset
 *   that region's connections). Quorum 2 means one region's view must move
 *   no traffic: the table's answers stay as they were, the controller counts
 *   zero answer changes, and DNS answers every query with the baseline.
 * - Flapping edge: an edge answers up/down alternately to every check from
 *   every region. rise 2 / fall 3 never lets a link go down, so the number of
 *   answer changes per minute must be 0 (the bound for strict alternation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { startProbe, type ProbeHandle } from '@edgesteer/probes';
import { join } from 'node:path';
import { chaosLine, scale } from './support/report.js';
import { getJson, getText, metricSum } from './support/http.js';
import { killAll, sleep, startProc, until, type ChaosProc, readyUrl } from './support/proc.js';
import { chaosPolicy, CLIENT_SUBNET, EDGE_ADDR, EDGES, KEYS, REGIONS, startChaosEdges, tempDir, writeKeyFile, writePolicy, type ChaosEdges } from './support/stack.js';
import { addressesOf, openUdpDns, startQueryLoop, type UdpDnsClient } from './support/udp-dns.js';

interface Table {
  version: number;
  hash: string;
  services: Record<string, { regions: Record<string, { answer: string[]; mode: string }> }>;
}
interface EdgesDoc {
  edges: Array<{ id: string; verdict: 'up' | 'down'; regions: Record<string, { up: boolean } | null> }>;
}

const tmp = tempDir('false-failover');
let edges: ChaosEdges;
let controller: ChaosProc;
let dns: ChaosProc;
let ctlUrl: string;
let dnsPort: number;
let client: UdpDnsClient;
const probes: ProbeHandle[] = [];

const answersOf = (t: Table) => Object.fromEntries(REGIONS.map((r) => [r, t.services['cdn']!.regions[r]!.answer.join(',')]));
const answerChanges = async () => metricSum(await getText(`${ctlUrl}/metrics`), 'edgesteer_controller_answer_changes_total');
const verdictChanges = async () => metricSum(await getText(`${ctlUrl}/metrics`), 'edgesteer_controller_verdict_changes_total');

beforeAll(async () => {
  edges = await startChaosEdges();
  const policyFile = join(tmp.dir, 'policy.json');
  writePolicy(policyFile, { ports: edges.ports, intervalMs: 200 });
  const keyFile = writeKeyFile(tmp.dir);
  controller = startProc('controller', ['controller', '--policy', policyFile, '--listen', '127.0.0.1:0', '--state-dir', join(tmp.dir, 'state'), '--key-file', keyFile, '--tick-ms', '100']);
  ctlUrl = await readyUrl(controller, 'controller_listening');
  dns = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--controller', ctlUrl]);
  dnsPort = Number((await dns.waitForLog((l) => l.msg === 'dns server ready', 20_000, 'dns server ready'))['port']);
  client = await openUdpDns(dnsPort);
  const policy = chaosPolicy({ ports: edges.ports, intervalMs: 200 });
  for (const region of REGIONS) {
    probes.push(startProbe({ policy, region, probeId: region, reportTo: [ctlUrl], key: KEYS[region]!, logLevel: 'silent', sink: { backoff: { baseMs: 50, maxMs: 500 } } }));
  }
  // Every region has measured every edge, and the table has settled (hysteresis holds the first ranking).
  await until(async () => {
    const doc = await getJson<EdgesDoc>(`${ctlUrl}/v1/edges`);
    return doc.edges.every((e) => REGIONS.every((r) => e.regions[r] !== null));
  }, 15_000, 'every probe region to report every edge');
  let last = '';
  let stableSince = Date.now();
  await until(async () => {
    const t = await getJson<Table>(`${ctlUrl}/v1/table`);
    if (t.hash !== last) {
      last = t.hash;
      stableSince = Date.now();
    }
    return Date.now() - stableSince > 700;
  }, 15_000, 'the table to settle');
}, 60_000);

afterAll(async () => {
  await Promise.all(probes.map((p) => p.stop(200)));
  await client?.close();
  await dns?.stop();
  await controller?.stop();
  await edges?.close();
  killAll();
  tmp.cleanup();
});

/** Queries DNS for every region (ECS) while `during` runs; every answer must be the baseline's. */
async function queryWhile(baseline: Record<string, string>, during: () => Promise<void>) {
  const queries = REGIONS.map((r) => encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(CLIENT_SUBNET[r]!) } }));
  const loop = startQueryLoop(client, {
    concurrency: 3,
    pauseMs: 5,
    make: (i) => queries[i % REGIONS.length]!,
    check: (i, res) => {
      const region = REGIONS[i % REGIONS.length]!;
      const want = baseline[region]!.split(',').map((e) => EDGE_ADDR[e]).join(',');
      const got = addressesOf(res).join(',');
      return got === want ? null : `${region}: got ${got}, want ${want}`;
    },
  });
  const rssBefore = dns.rssMb();
  try {
    await during();
  } finally {
    await loop.stop();
  }
  const stats = loop.stats;
  return { ...stats, rss: { before: rssBefore, after: dns.rssMb() } };
}

describe('false failover', () => {
  it('one partitioned probe region moves no traffic', async () => {
    const holdMs = scale(3000, 30_000);
    const before = await getJson<Table>(`${ctlUrl}/v1/table`);
    const baseline = answersOf(before);
    const changesBefore = await answerChanges();
    const verdictsBefore = await verdictChanges();
    const region = 'eu-west';
    let sawLinksDown = false;

    const q = await queryWhile(baseline, async () => {
      edges.partitioned.add(region);
      const deadline = Date.now() + holdMs;
      while (Date.now() < deadline) {
        const doc = await getJson<EdgesDoc>(`${ctlUrl}/v1/edges`);
        // The fault is real: the partitioned region sees every edge down…
        if (doc.edges.every((e) => e.regions[region]?.up === false)) sawLinksDown = true;
        // …and yet no verdict moves.
        expect(doc.edges.map((e) => e.verdict)).toEqual(EDGES.map(() => 'up'));
        expect(answersOf(await getJson<Table>(`${ctlUrl}/v1/table`))).toEqual(baseline);
        await sleep(200);
      }
    });
    const after = await getJson<Table>(`${ctlUrl}/v1/table`);
    const changes = (await answerChanges()) - changesBefore;
    const verdicts = (await verdictChanges()) - verdictsBefore;

    // Heal, and time how long the region's links take to come back (rise = 2 checks).
    edges.partitioned.delete(region);
    const healedAt = Date.now();
    await until(async () => (await getJson<EdgesDoc>(`${ctlUrl}/v1/edges`)).edges.every((e) => e.regions[region]?.up === true), 10_000, 'the partitioned region to see its edges again');
    const recoverS = (Date.now() - healedAt) / 1000;

    chaosLine(`probe region ${region} partitioned ${holdMs / 1000} s (all its checks reset)`, 'no traffic moves: 0 answer changes, 0 verdict flips, DNS answers = baseline', {
      lost: q.lost,
      wrong: q.wrong,
      recoverS,
      rssMb: q.rss,
      extra: [`answer changes ${changes}`, `verdict flips ${verdicts}`, `table version ${before.version} → ${after.version}`, `DNS queries ${q.answered}`],
    });
    expect(sawLinksDown, 'the partition must really cut the region off').toBe(true);
    expect(changes).toBe(0);
    expect(verdicts).toBe(0);
    expect(answersOf(after)).toEqual(baseline);
    expect(q.wrongSamples).toEqual([]);
    expect(q.lost).toBe(0);
    expect(q.answered).toBeGreaterThan(50);
  }, 60_000);

  it('a flapping edge (up/down on alternate checks) is held by rise/fall: 0 answer changes per minute', async () => {
    const holdMs = scale(3000, 60_000);
    const before = await getJson<Table>(`${ctlUrl}/v1/table`);
    const baseline = answersOf(before);
    const changesBefore = await answerChanges();
    const verdictsBefore = await verdictChanges();
    const hitsBefore = Object.values(edges.hits['aps1']!).reduce((a, b) => a + b, 0);
    const q = await queryWhile(baseline, async () => {
      edges.mode['aps1'] = 'flap';
      await sleep(holdMs);
      edges.mode['aps1'] = 'ok';
    });
    const checks = Object.values(edges.hits['aps1']!).reduce((a, b) => a + b, 0) - hitsBefore;
    const changes = (await answerChanges()) - changesBefore;
    const verdicts = (await verdictChanges()) - verdictsBefore;
    const perMinute = (changes * 60_000) / holdMs;
    // Strict alternation never strings `fall` (3) failures together, so the bound is 0.
    const bound = 0;
    chaosLine(`edge aps1 flapping up/down on every check for ${holdMs / 1000} s (3 regions)`, `answer changes ≤ ${bound}/min (rise 2, fall 3)`, {
      lost: q.lost,
      wrong: q.wrong,
      rssMb: q.rss,
      extra: [`answer changes ${changes} (${perMinute.toFixed(1)}/min)`, `verdict flips ${verdicts}`, `checks served ${checks}`],
    });
    expect(checks).toBeGreaterThan(REGIONS.length * 10);
    expect(perMinute).toBeLessThanOrEqual(bound);
    expect(verdicts).toBe(0);
    expect(q.lost).toBe(0);
    expect(q.wrong).toBe(0);
  }, 90_000);
});
