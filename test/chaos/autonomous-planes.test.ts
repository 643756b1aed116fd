/**
 * No single brain (#13): every self-hosted plane decides for itself from the
 * probes' signed reports, so losing the controller freezes nothing.
 *
 * One deployment for the whole file: chaos edges, a controller (state dir),
 * a DNS server deciding locally (state dir, no --controller), the Worker on
 * Node and in workerd (one wrangler dev), and three real probes reporting
 * to every one of them (plus a second DNS server that starts late). Answers
 * for an eu-west client are sampled every 100 ms on each plane — DNS with
 * the real `dig`, DoH on both Workers decoded with dns2 — and judged
 * against when the edge really was down.
 *
 * 1. baseline: euw1 dies with the controller alive → failover time per plane;
 * 2. controller SIGKILLed, then euw1 dies → every plane within the same bound;
 * 3. a DNS server started with no controller and no state while euw1 is down
 *    → never answers euw1, /healthz not ok until synced (SERVFAIL meanwhile:
 *    the policy says `health.unsynced: servfail`);
 * 4. controller and DNS SIGKILLed, euw1 dies during the outage, both restart
 *    with the probes' buffered reports → zero euw1 answers after the restart,
 *    zero tables published from replayed history;
 * 5. SIGKILL right after a failover, 20 times (controller and DNS only, fast
 *    restarts, reports posted directly) → no plane ever goes back to an older
 *    table.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Packet } from 'dns2';
import { signReport, type Observation } from '@edgesteer/core';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { startProbe, type ProbeHandle } from '@edgesteer/probes';
import { dig } from '../support/dns-dig.js';
import { freePort } from '../support/processes.js';
import { startWranglerDev, type WranglerDev } from '../support/worker-harness.js';
import { getJson } from './support/http.js';
import { killAll, readyUrl, sleep, startProc, until, type ChaosProc } from './support/proc.js';
import { chaosLine, scale } from './support/report.js';
import { PolicySchema } from '@edgesteer/policy';
import { chaosPolicyInput, CLIENT_SUBNET, EDGE_ADDR, EDGES, HOME as HOME_OF, KEYS, KEYS_ENV, REGIONS, startChaosEdges, tempDir, writeKeyFile, writePolicy, type ChaosEdges } from './support/stack.js';

const INTERVAL_MS = 200;
const FALL = 2;
/** Failover bound for every plane, controller alive or not: detection (fall × interval) plus delivery, decision and load headroom. */
const BOUND_MS = 3000;
/** The outage of case 4: 50 check intervals and 5× staleAfterMs at CI scale; the 30 s under soak. */
const OUTAGE_MS = scale(10_000, 30_000);
const EU = CLIENT_SUBNET['eu-west']!;
const DEAD = EDGE_ADDR['euw1']!;

const tmp = tempDir('planes');
const policyFile = join(tmp.dir, 'policy.json');
let keyFile: string;
let edges: ChaosEdges;
let controller: ChaosProc;
let dns: ChaosProc;
let worker: ChaosProc;
let workerd: WranglerDev;
let probes: ProbeHandle[] = [];
const ports = { ctl: 0, dns: 0, dnsHttp: 0, dns2: 0, dns2Http: 0 };
const url = { ctl: '', dnsHttp: '', dns2Http: '', worker: '', workerd: '' };

function startController(): ChaosProc {
  return startProc('controller', ['controller', '--policy', policyFile, '--listen', `127.0.0.1:${ports.ctl}`, '--state-dir', join(tmp.dir, 'ctl'), '--key-file', keyFile, '--tick-ms', '100']);
}
function startDns(name = 'dns', port = ports.dns, http = ports.dnsHttp, state = join(tmp.dir, 'dns')): ChaosProc {
  return startProc(name, ['dns', '--policy', policyFile, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${http}`, '--key-file', keyFile, '--state-dir', state, '--tick-ms', '100', '--rrl-rate', '0']);
}
const dnsReady = (p: ChaosProc) => p.waitForLog((l) => l.event === 'metrics_listening', 60_000, 'dns http listener');
const ctlReady = (p: ChaosProc) => readyUrl(p, 'controller_listening', 60_000);

// ---- answers, sampled every 100 ms ------------------------------------------------------------

interface Sample {
  /** Sent at. */
  at: number;
  /** Answer received at. */
  doneAt: number;
  rcode: string;
  addrs: string[];
}
interface Watch {
  plane: string;
  samples: Sample[];
  stop(): Promise<void>;
}

const dohQuery = Buffer.from(encodeQuery({ name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr(EU) } })).toString('base64url');

/** DoH GET, decoded with dns2 (not our codec). */
async function askDoh(base: string): Promise<Omit<Sample, 'at' | 'doneAt'>> {
  const res = await fetch(`${base}/dns-query?dns=${dohQuery}`, { headers: { accept: 'application/dns-message' }, signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) return { rcode: `HTTP ${res.status}`, addrs: [] };
  const p = Packet.parse(Buffer.from(await res.arrayBuffer()));
  const rcodes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'];
  return { rcode: rcodes[p.header.rcode] ?? String(p.header.rcode), addrs: p.answers.filter((a) => a.type === Packet.TYPE.A).map((a) => String(a.address)) };
}

/** The real dig against a DNS server (one try, 1 s). */
async function askDig(port: number): Promise<Omit<Sample, 'at' | 'doneAt'>> {
  const r = await dig('127.0.0.1', port, ['+time=1', '+tries=1', `+subnet=${EU}`, 'cdn.example.com', 'A']);
  return { rcode: r.status, addrs: r.answer.map((l) => l.split(' ').pop()!) };
}

function watch(plane: string, ask: () => Promise<Omit<Sample, 'at' | 'doneAt'>>): Watch {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const r = await ask();
        samples.push({ at, doneAt: Date.now(), ...r });
      } catch {
        samples.push({ at, doneAt: Date.now(), rcode: 'NO-RESPONSE', addrs: [] });
      }
      await sleep(Math.max(0, at + 100 - Date.now()));
    }
  })();
  return {
    plane,
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

let watches: Watch[] = [];
const planes = () => watches.filter((w) => w.plane !== 'dns-late');

/** Answers of the dead edge sent in [from, to). */
const wrongIn = (w: Watch, from: number, to = Infinity) => w.samples.filter((s) => s.at >= from && s.at < to && s.addrs.includes(DEAD));

/** ms from `downAt` until the plane answered without euw1 and kept doing so until `until`; undefined if it never did. */
function failoverMs(w: Watch, downAt: number, until: number): number | undefined {
  const window = w.samples.filter((s) => s.at >= downAt && s.at < until);
  let last = -1;
  window.forEach((s, i) => {
    if (s.addrs.includes(DEAD)) last = i;
  });
  const good = window.slice(last + 1).find((s) => s.rcode === 'NOERROR' && s.addrs.length > 0);
  return good ? good.at - downAt : undefined;
}

/** Waits until every plane's newest sample satisfies `ok`. */
async function allPlanes(ok: (s: Sample) => boolean, timeoutMs: number, what: string, only = planes()): Promise<void> {
  const since = Date.now();
  await until(() => only.every((w) => w.samples.some((s) => s.at > since && ok(s)) && ok(w.samples[w.samples.length - 1]!)), timeoutMs, what, 50);
}

// ---- signed reports posted directly (case 5) ---------------------------------------------------

let seq = Date.now() * 1000; // above the probes' ms-based sequence numbers
function round(region: string, at: number, down: readonly string[]): Observation[] {
  return EDGES.map((edge) =>
    down.includes(edge) ? { probeRegion: region, edge, at, ok: false, reason: 'status' as const } : { probeRegion: region, edge, at, ok: true, connectMs: 5, firstByteMs: HOME_OF[region] === edge ? 5 : 60 },
  );
}
async function post(base: string, region: string, obs: Observation[], timeoutMs = 5000): Promise<{ table: { version: number; hash: string } }> {
  const at = Date.now();
  const body = JSON.stringify({ probe: region, region, seq: ++seq, sentAt: at, observations: obs });
  const res = await fetch(`${base}/v1/observations`, { method: 'POST', headers: { ...(await signReport(body, KEYS[region]!, at, region)), 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`POST ${base}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { table: { version: number; hash: string } };
}

interface Health {
  status: string;
  hold?: boolean;
  table: { version: number; hash: string };
}

// ---- the deployment ------------------------------------------------------------------------------

beforeAll(async () => {
  edges = await startChaosEdges();
  const input = chaosPolicyInput({ ports: edges.ports, intervalMs: INTERVAL_MS, timeoutMs: 150, rise: 2, fall: FALL, quorum: 2, staleAfterMs: 4000 });
  input.health = { ...input.health, unsynced: 'servfail' };
  writePolicy(policyFile, input);
  keyFile = writeKeyFile(tmp.dir);
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  url.ctl = `http://127.0.0.1:${ports.ctl}`;
  url.dnsHttp = `http://127.0.0.1:${ports.dnsHttp}`;
  url.dns2Http = `http://127.0.0.1:${ports.dns2Http}`;
  controller = startController();
  dns = startDns();
  worker = startProc('worker', ['worker', '--policy', policyFile, '--listen', '127.0.0.1:0', '--key-file', keyFile, '--refresh-ms', '100']);
  const wd = startWranglerDev({ policyFile, vars: { EDGESTEER_PROBE_KEYS: KEYS_ENV, STATE_CACHE_MS: '0', REFRESH_MS: '100' } });
  const [, , w, d] = await Promise.all([ctlReady(controller), dnsReady(dns), readyUrl(worker, 'worker_ready', 60_000), wd]);
  url.worker = w;
  workerd = d;
  url.workerd = d.url;
  // Every probe reports to every plane, the late DNS server included (its sink buffers until it starts).
  const reportTo = [url.ctl, url.dnsHttp, url.dns2Http, url.worker, url.workerd];
  const policy = PolicySchema.parse(input);
  probes = await Promise.all(REGIONS.map((region) => startProbe({ policy, region, probeId: region, reportTo, key: KEYS[region]!, logLevel: 'silent' })));
  watches = [watch('dns', () => askDig(ports.dns)), watch('worker-node', () => askDoh(url.worker)), watch('workerd', () => askDoh(url.workerd))];
  await allPlanes((s) => s.rcode === 'NOERROR' && s.addrs.includes(DEAD), 20_000, 'every plane to answer euw1 for eu-west');
}, 240_000);

afterAll(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  await Promise.all(probes.map((p) => p.stop(500)));
  await Promise.all([controller?.stop(), dns?.stop(), worker?.stop(), workerd?.stop()]);
  await edges?.close();
  killAll();
  tmp.cleanup();
}, 30_000);

/** Kills euw1, waits until every plane answered without it, brings it back and waits for every plane to return. */
async function failover(label: string, only = planes()): Promise<Record<string, number>> {
  // Every plane on euw1 right now (RTT noise under load can move eu-west elsewhere for a while).
  await allPlanes((s) => s.addrs.includes(DEAD), 10_000, `${label}: every plane on euw1 before the fault`, only);
  const downAt = Date.now();
  edges.mode['euw1'] = 'down';
  await allPlanes((s) => s.rcode === 'NOERROR' && s.addrs.length > 0 && !s.addrs.includes(DEAD), BOUND_MS + 5000, `${label}: every plane off euw1`, only);
  await sleep(500);
  const upAt = Date.now();
  const times = Object.fromEntries(only.map((w) => [w.plane, failoverMs(w, downAt, upAt) ?? Infinity]));
  const late = only.flatMap((w) => wrongIn(w, downAt + BOUND_MS, upAt).map((s) => `${w.plane}@${s.at - downAt}ms`));
  edges.mode['euw1'] = 'ok';
  await allPlanes((s) => s.addrs.includes(DEAD), 20_000, `${label}: every plane back on euw1`, only);
  expect(late, `${label}: euw1 answered after the ${BOUND_MS} ms bound`).toEqual([]);
  return times;
}

const secs = (ms: number) => Math.round(ms / 10) / 100;

describe('no single brain: every self-hosted plane decides for itself', () => {
  let baseline: Record<string, number> = {};

  it('baseline: with the controller alive, every plane fails over within the bound', async () => {
    baseline = await failover('controller alive');
    for (const [plane, ms] of Object.entries(baseline)) expect(ms, plane).toBeLessThanOrEqual(BOUND_MS);
    chaosLine('edge dies, controller alive', `every plane off the dead edge within ${BOUND_MS / 1000} s`, {
      wrong: 0,
      extra: Object.entries(baseline).map(([p, ms]) => `${p} ${secs(ms)} s`),
    });
  }, 30_000);

  it('controller SIGKILLed, then an edge dies: DNS, Worker on Node and in workerd fail over within the same bound', async () => {
    controller.child.kill('SIGKILL');
    await controller.exited;
    const times = await failover('controller dead');
    for (const [plane, ms] of Object.entries(times)) expect(ms, plane).toBeLessThanOrEqual(BOUND_MS);
    chaosLine('controller SIGKILLed, then an edge dies', `every plane within the controller-alive bound (${BOUND_MS / 1000} s)`, {
      wrong: 0,
      extra: Object.entries(times).map(([p, ms]) => `${p} ${secs(ms)} s (alive: ${secs(baseline[p] ?? NaN)} s)`),
    });
    controller = startController();
    await ctlReady(controller);
  }, 40_000);

  it('a DNS server started with no controller and no state never answers an edge its probe data says is down; /healthz not ok until synced', async () => {
    edges.mode['euw1'] = 'down';
    await allPlanes((s) => s.rcode === 'NOERROR' && s.addrs.length > 0 && !s.addrs.includes(DEAD), BOUND_MS + 5000, 'planes off euw1');
    const started = Date.now();
    const late = startDns('dns-late', ports.dns2, ports.dns2Http, join(tmp.dir, 'dns-late'));
    const health: Array<{ at: number; status: string; hold: boolean | undefined }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          const h = await getJson<Health>(`${url.dns2Http}/healthz`, 1000);
          health.push({ at: Date.now(), status: h.status, hold: h.hold });
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
    })();
    await dnsReady(late);
    const w = watch('dns-late', () => askDig(ports.dns2));
    watches.push(w);
    try {
      await until(() => health.some((h) => h.status === 'ok'), 10_000, 'the late DNS server to sync');
      await until(() => w.samples.some((s) => s.rcode === 'NOERROR' && s.addrs.length > 0), 5000, 'the late DNS server to answer');
      await sleep(500);
    } finally {
      polling = false;
      await poller;
      await w.stop();
      watches = watches.filter((x) => x !== w);
    }
    // When the server says it synced (its own log; /healthz polls lag behind under load).
    const syncedAt = Number((await late.waitForLog((l) => l.event === 'plane_synced', 1000, 'plane_synced'))['time']);
    // Before sync: never `ok`, steered names held (SERVFAIL), never the dead edge.
    expect(health[0]!.status).toBe('unsynced');
    expect(health.filter((h) => h.at < syncedAt).every((h) => h.status !== 'ok' && h.hold === true)).toBe(true);
    expect(wrongIn(w, 0)).toEqual([]);
    const before = w.samples.filter((s) => s.doneAt < syncedAt);
    expect(before.every((s) => s.rcode === 'SERVFAIL' || s.rcode === 'NO-RESPONSE')).toBe(true);
    const answered = w.samples.filter((s) => s.rcode === 'NOERROR');
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((s) => s.addrs.length > 0 && !s.addrs.includes(DEAD))).toBe(true);
    chaosLine('DNS server started with no controller and no state, edge down', 'never answers the dead edge; /healthz unsynced (SERVFAIL) until quorum data', {
      wrong: 0,
      recoverS: secs(syncedAt - started),
      extra: [`SERVFAIL while unsynced ${before.filter((s) => s.rcode === 'SERVFAIL').length}`, `answers after sync ${answered.length}`],
    });
    await late.stop('SIGKILL');
    edges.mode['euw1'] = 'ok';
    await allPlanes((s) => s.addrs.includes(DEAD), 20_000, 'planes back on euw1');
  }, 60_000);

  it(`controller and DNS restarted after a ${OUTAGE_MS / 1000} s outage with buffered reports: zero dead-edge answers, zero tables from replayed history`, async () => {
    controller.child.kill('SIGKILL');
    dns.child.kill('SIGKILL');
    await Promise.all([controller.exited, dns.exited]);
    const outageAt = Date.now();
    await sleep(2000);
    const downAt = Date.now();
    edges.mode['euw1'] = 'down';
    await sleep(Math.max(0, outageAt + OUTAGE_MS - Date.now()));
    const restartAt = Date.now();
    controller = startController();
    dns = startDns();
    await Promise.all([ctlReady(controller), dnsReady(dns)]);
    const d = watches.find((w) => w.plane === 'dns')!;
    await until(() => d.samples.some((s) => s.at > restartAt && s.rcode === 'NOERROR' && s.addrs.length > 0), 10_000, 'DNS answers after the restart');
    const correctAt = d.samples.find((s) => s.at > restartAt && s.rcode === 'NOERROR' && s.addrs.length > 0)!.at;
    await sleep(1000);
    // Zero answers of the dead edge on any plane from the bound after its death on; none from the restarted DNS at all.
    for (const w of planes()) expect(wrongIn(w, downAt + BOUND_MS), w.plane).toEqual([]);
    expect(wrongIn(d, restartAt)).toEqual([]);
    // Every table the restarted DNS server published holds euw1 down (its log lists each table's down edges).
    const tables = dns.logs.filter((l) => l.msg === 'routing table changed' || l.msg === 'answer plane built');
    expect(tables.length).toBeGreaterThan(0);
    const replayed = tables.filter((l) => l.msg === 'routing table changed' && !(l['downEdges'] as string[]).includes('euw1'));
    expect(replayed).toEqual([]);
    // The restarted controller never judged euw1 up from data: no flip to up backed by quorum fresh regions
    // (a flip "up: only 1/1 fresh regions say down" is core's fail-open when probes lag, not replayed history).
    const fromData = controller.logs.filter((l) => l.event === 'verdict_changed' && l['edge'] === 'euw1' && l['to'] === 'up' && Number(/\/(\d+) fresh/.exec(String(l['reason']))?.[1] ?? 0) >= 2);
    expect(fromData).toEqual([]);
    const batches = dns.logs.filter((l) => l.event === 'batch_decided').length;
    chaosLine(`controller + DNS restarted after a ${OUTAGE_MS / 1000} s outage, edge died during it`, 'zero dead-edge answers; zero tables from replayed history', {
      wrong: 0,
      recoverS: secs(correctAt - restartAt),
      extra: [`DNS tables after restart ${tables.length} (all with euw1 down)`, `batched decisions ${batches}`, `held (SERVFAIL) ${d.samples.filter((s) => s.at > restartAt && s.rcode === 'SERVFAIL').length}`],
    });
    edges.mode['euw1'] = 'ok';
    await allPlanes((s) => s.addrs.includes(DEAD), 20_000, 'planes back on euw1');
  }, 60_000);

  it('SIGKILL right after a failover, 20 times: the controller and the DNS server never go back to an older table', async () => {
    await Promise.all(probes.map((p) => p.stop(500)));
    probes = [];
    // The answer watchers are not needed here: free the CPU for fast restarts.
    await Promise.all(watches.map((w) => w.stop()));
    watches = [];
    const rounds = 20;
    const wentBack: string[] = [];
    const restartMs: number[] = [];
    let held = 0;
    // In place of the probes: every region keeps reporting what is true now (every 150 ms), so data stays
    // fresh across the restarts (with no fresh data from quorum regions an edge cannot be held down).
    let down: string[] = [];
    let beating = true;
    const heartbeat = (async () => {
      while (beating) {
        const at = Date.now();
        await Promise.all(REGIONS.flatMap((region) => [url.ctl, url.dnsHttp].map((base) => post(base, region, round(region, at, down), 800).catch(() => undefined))));
        await sleep(150);
      }
    })();
    const health = async () => {
      const [c, n] = await Promise.all([getJson<Health>(`${url.ctl}/healthz`), getJson<Health>(`${url.dnsHttp}/healthz`)]);
      return { controller: c.table, dns: n.table };
    };
    await sleep(1500); // settle on the heartbeat's data: from here on each toggle changes the table once
    for (let i = 0; i < rounds; i++) {
      const prev = await health();
      down = i % 2 === 0 ? ['euw1'] : [];
      // Poll until both have published the failover (or recovery), then kill at once.
      const last = await until(
        async () => {
          const h = await health();
          if (!(h.controller.version > prev.controller.version && h.dns.version > prev.dns.version)) return undefined;
          // The failover itself, not some other table change: the controller's table and the DNS answer agree with `down`.
          const t = await getJson<{ edges: Record<string, { up: boolean }> }>(`${url.ctl}/v1/table`);
          const a = await askDig(ports.dns);
          return t.edges['euw1']!.up === (down.length === 0) && a.addrs.includes(DEAD) === (down.length === 0) ? await health() : undefined;
        },
        10_000,
        `#${i}: both planes to publish the ${down.length ? 'failover' : 'recovery'}`,
        20,
      );
      controller.child.kill('SIGKILL');
      dns.child.kill('SIGKILL');
      await Promise.all([controller.exited, dns.exited]);
      const t0 = Date.now();
      controller = startController();
      dns = startDns();
      await Promise.all([ctlReady(controller), dnsReady(dns)]);
      restartMs.push(Date.now() - t0);
      const [c, n] = await Promise.all([getJson<Health>(`${url.ctl}/healthz`), getJson<Health>(`${url.dnsHttp}/healthz`)]);
      for (const [plane, h] of [['controller', c], ['dns', n]] as const) {
        const before = last[plane]!;
        if (h.table.version < before.version || (h.table.version === before.version && h.table.hash !== before.hash)) {
          wentBack.push(`#${i} ${plane}: served v${before.version} ${before.hash.slice(0, 8)}, after restart v${h.table.version} ${h.table.hash.slice(0, 8)}`);
        }
      }
      const r = await askDig(ports.dns);
      // SERVFAIL (held: the restart took longer than staleAfterMs) is no table at all; an answer must be the new table's.
      if (r.rcode === 'SERVFAIL') held++;
      else if (r.addrs.includes(DEAD) !== (down.length === 0)) wentBack.push(`#${i} dns answered ${r.addrs.join(',')} (${r.rcode}) with euw1 ${down.length ? 'down' : 'up'}`);
    }
    beating = false;
    await heartbeat;
    expect(wentBack).toEqual([]);
    chaosLine(`SIGKILL right after a failover ×${rounds} (controller + DNS)`, 'no plane goes back to an older table', {
      wrong: 0,
      extra: [`older tables served 0 of ${rounds * 2}`, `held ${held}`, `restart to ready p50 ${secs(restartMs.sort((a, b) => a - b)[Math.floor(rounds / 2)]!)} s`],
    });
  }, 240_000);
});
