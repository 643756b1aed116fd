/**
 * Security, against real processes where it matters:
 *
 * - Probe reports: forged (wrong key), tampered, replayed, unknown probe,
 *   unsigned, and timestamps outside the window are refused by the
 *   controller (keys from a file) and the Worker (keys from the
 *   environment), counted by reason in their metrics, and change nothing.
 *   Keys cannot live in the policy (an unknown key there is an error).
 * - Every non-GET route of the controller's app requires credentials: the
 *   admin token, or (for reports) a probe signature.
 * - The DNS server rate-limits responses per client subnet (RRL): over the
 *   limit, every 2nd response is sent truncated (slip 2) and the rest
 *   dropped; real dig then retries over TCP and gets the answer; other
 *   subnets keep their own budget; loopback is exempt by default.
 * - It never answers recursively (RA=0, RD ignored, other zones REFUSED) and
 *   an ANY query cannot be amplified (RFC 8482: response/query ≤ 3).
 */
import dgram from 'node:dgram';
import { connect, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { decodeDns, type Decoded } from '../support/dns-independent.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, RCODE, TYPE } from '@edgesteer/dns-wire';
import { parsePolicy } from '@edgesteer/policy';
import { harness } from '@edgesteer/control/testing';
import type { RoutingTable } from '@edgesteer/core';
import { digRaw } from '../support/dns-dig.js';
import { chaosLine } from './support/report.js';
import { getJson, getText, metricSum } from './support/http.js';
import { killAll, startControllerAndWorker, startProc, until, type ChaosProc } from './support/proc.js';
import { chaosPolicyInput, EDGE_ADDR, KEYS, KEYS_ENV, postReport, round, tempDir, writeKeyFile, writePolicy } from './support/stack.js';
import { addressesOf } from './support/udp-dns.js';
import { decodeIndependent } from '@edgesteer/dns-server/testing';

const tmp = tempDir('security');
const policyFile = join(tmp.dir, 'policy.json');
let controller: ChaosProc;
let worker: ChaosProc;
let ctlUrl: string;
let workerUrl: string;

beforeAll(async () => {
  writePolicy(policyFile, { ports: {}, intervalMs: 1000 });
  // The controller reads its keys from a file, the Worker from the environment.
  ({ controller, worker, ctlUrl, workerUrl } = await startControllerAndWorker({
    policyFile,
    keyFile: writeKeyFile(tmp.dir),
    controllerEnv: { EDGESTEER_ADMIN_TOKEN: 'chaos-admin-token-0123456789' },
    workerEnv: { EDGESTEER_PROBE_KEYS: KEYS_ENV },
    workerKeysFromEnv: true,
  }));
}, 60_000);

afterAll(async () => {
  await Promise.all([controller?.stop(), worker?.stop()]);
  killAll();
  tmp.cleanup();
});

/** A signed request whose parts can be broken one at a time. */
async function attack(url: string, kind: string): Promise<Response> {
  const region = 'eu-west';
  const obs = round(region, Date.now(), ['euw1', 'use1', 'aps1']);
  switch (kind) {
    case 'forged (signed with another key)':
      return postReport(url, region, obs, { key: 'not-the-real-key-of-eu-west-000000' });
    case 'signed with another probe\'s key':
      return postReport(url, region, obs, { key: KEYS['us-east']! });
    case 'unknown probe':
      return postReport(url, region, obs, { probe: 'mallory', key: 'mallory-key-0123456789abcdef' });
    case 'timestamp 10 min old':
      return postReport(url, region, obs, { at: Date.now() - 600_000 });
    case 'timestamp 10 min ahead':
      return postReport(url, region, obs, { at: Date.now() + 600_000 });
    case 'unsigned':
      return fetch(`${url}/v1/observations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ probe: region, region, seq: 1, sentAt: Date.now(), observations: obs }) });
    case 'tampered body': {
      const { signReport } = await import('@edgesteer/core');
      const body = JSON.stringify({ probe: region, region, seq: Date.now() * 10, sentAt: Date.now(), observations: round(region, Date.now()) });
      const headers = await signReport(body, KEYS[region]!, Date.now(), region);
      return fetch(`${url}/v1/observations`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: body.replace('"ok":true', '"ok":false') });
    }
    default:
      throw new Error(kind);
  }
}

const ATTACKS: Array<{ kind: string; status: number; reason: string }> = [
  { kind: 'forged (signed with another key)', status: 401, reason: 'bad_signature' },
  { kind: "signed with another probe's key", status: 401, reason: 'bad_signature' },
  { kind: 'tampered body', status: 401, reason: 'bad_signature' },
  { kind: 'unknown probe', status: 401, reason: 'unknown_probe' },
  { kind: 'timestamp 10 min old', status: 401, reason: 'stale_timestamp' },
  { kind: 'timestamp 10 min ahead', status: 401, reason: 'stale_timestamp' },
  { kind: 'unsigned', status: 401, reason: 'unsigned' },
];

describe('signed reports', () => {
  it('forged, tampered, replayed, unknown-probe, unsigned and out-of-window reports are refused, counted, and change nothing', async () => {
    const results: string[] = [];
    const planes = [
      { name: 'controller', url: () => ctlUrl, metric: 'edgesteer_controller_reports_rejected_total' },
      { name: 'worker', url: () => workerUrl, metric: 'edgesteer_worker_reports_rejected_total' },
    ];
    let refused = 0;
    for (const plane of planes) {
      const url = plane.url();
      const before = await getJson<RoutingTable>(`${url}/v1/table`);
      const m0 = await getText(`${url}/metrics`);
      for (const a of ATTACKS) {
        const res = await attack(url, a.kind);
        const body = (await res.json()) as { error?: { code?: string; reason?: string } };
        results.push(`${plane.name} ${a.kind} → ${res.status} ${body.error?.reason ?? ''}`);
        expect(res.status, `${plane.name}: ${a.kind}`).toBe(a.status);
        expect(body.error?.reason, `${plane.name}: ${a.kind}`).toBe(a.reason);
        refused++;
      }
      // Replay: a genuine report is accepted once, then refused when sent again byte for byte.
      const { signReport } = await import('@edgesteer/core');
      const body = JSON.stringify({ probe: 'eu-west', region: 'eu-west', seq: Date.now() * 10 + 7, sentAt: Date.now(), observations: round('eu-west', Date.now()) });
      const headers = { ...(await signReport(body, KEYS['eu-west']!, Date.now(), 'eu-west')), 'content-type': 'application/json' };
      const first = await fetch(`${url}/v1/observations`, { method: 'POST', headers, body });
      const again = await fetch(`${url}/v1/observations`, { method: 'POST', headers, body });
      results.push(`${plane.name} replay → ${first.status} then ${again.status}`);
      expect(first.status).toBe(200);
      expect(again.status).toBe(409);
      refused++;
      // Counted by reason, and the table did not move.
      const m1 = await getText(`${url}/metrics`);
      for (const reason of [...new Set(ATTACKS.map((a) => a.reason)), 'replay']) {
        const want = ATTACKS.filter((a) => a.reason === reason).length + (reason === 'replay' ? 1 : 0);
        expect(metricSum(m1, plane.metric, { reason }) - metricSum(m0, plane.metric, { reason }), `${plane.name} ${reason}`).toBe(want);
      }
      const after = await getJson<RoutingTable>(`${url}/v1/table`);
      expect(after.hash).toBe(before.hash);
    }
    const wh = await getJson<{ state: { reportsRejected: Record<string, number> } }>(`${workerUrl}/healthz`);
    expect(wh.state.reportsRejected['bad_signature']).toBe(3);

    // Keys never live in the policy: a key field there is an error, not a feature.
    const withKey = JSON.stringify({ ...chaosPolicyInput({ ports: {} }), probeKeys: { 'eu-west': KEYS['eu-west'] } });
    const parsed = parsePolicy(withKey, 'policy.json');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map((p) => p.rule)).toContain('schema-unknown-key');

    chaosLine('forged / tampered / replayed / unknown-probe / unsigned / ±10 min reports to controller and Worker', 'all refused (401/409) and counted by reason; table unchanged; keys in the policy rejected', {
      extra: [`refused ${refused}/${2 * (ATTACKS.length + 1)}`, `accepted genuine 2/2`, `Worker healthz bad_signature ${wh.state.reportsRejected['bad_signature']}`],
    });
  });
});

/** Raw HTTP/1.1 over TCP: sends `head` (and nothing else) and resolves with what came back within `ms`. */
function rawExchange(url: string, head: string, ms: number): Promise<{ text: string; ms: number; socket: Socket }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = connect({ host: u.hostname, port: Number(u.port) }, () => socket.write(head));
    let text = '';
    const done = () => {
      clearTimeout(timer);
      resolve({ text, ms: performance.now() - t0, socket });
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}/.test(text)) done();
    });
    socket.on('error', reject);
  });
}

const planesUnderTest = () => [
  { name: 'controller', url: ctlUrl, proc: controller, metric: 'edgesteer_controller_reports_rejected_total' },
  { name: 'worker', url: workerUrl, proc: worker, metric: 'edgesteer_worker_reports_rejected_total' },
];

describe('hardening (#14): region-bound keys, clocks, bodies', () => {
  it('a key cannot speak for another region: the us-east key claiming eu-west is refused (403), logged and counted on every receiver', async () => {
    const lines: string[] = [];
    for (const p of planesUnderTest()) {
      const before = await getJson<RoutingTable>(`${p.url}/v1/table`);
      const m0 = await getText(`${p.url}/metrics`);
      // A faked quorum: eu-west "sees" its home edge down, signed with the us-east key.
      const res = await postReport(p.url, 'eu-west', round('eu-west', Date.now(), ['euw1']), { probe: 'us-east', key: KEYS['us-east']! });
      const body = (await res.json()) as { error?: { code?: string; reason?: string } };
      expect(res.status, p.name).toBe(403);
      expect(body.error).toMatchObject({ code: 'E_REPORT_REGION_FORBIDDEN', reason: 'region_forbidden' });
      const m1 = await getText(`${p.url}/metrics`);
      expect(metricSum(m1, p.metric, { reason: 'region_forbidden' }) - metricSum(m0, p.metric, { reason: 'region_forbidden' }), p.name).toBe(1);
      await p.proc.waitForLog((l) => l.event === 'report_rejected' && l['reason'] === 'region_forbidden', 5000, `${p.name} report_rejected region_forbidden`);
      expect((await getJson<RoutingTable>(`${p.url}/v1/table`)).hash).toBe(before.hash);
      lines.push(`${p.name}: ${res.status} ${body.error?.code}`);
    }
    chaosLine('us-east key reports eu-west edges down (cross-region quorum forgery)', 'refused 403 E_REPORT_REGION_FORBIDDEN, logged, counted; table unchanged', { extra: lines });
  });

  it('an observation stamped ahead of the receiver clock is ignored by every receiver, and real ones still count', async () => {
    const lines: string[] = [];
    for (const p of planesUnderTest()) {
      // Signed inside the ±300 s window and consistent with its own sentAt, but 200 s ahead of the receiver.
      const ahead = Date.now() + 200_000;
      const res = await postReport(p.url, 'ap-south', round('ap-south', ahead + 5_000, ['aps1']), { at: ahead });
      const body = (await res.json()) as { accepted?: number; ignored?: number };
      expect(res.status, p.name).toBe(200);
      expect(body, p.name).toMatchObject({ accepted: 0, ignored: 3 });
      const real = (await (await postReport(p.url, 'ap-south', round('ap-south', Date.now()))).json()) as { accepted?: number; ignored?: number };
      expect(real, p.name).toMatchObject({ accepted: 3, ignored: 0 });
      lines.push(`${p.name}: future accepted ${body.accepted} ignored ${body.ignored}; real accepted ${real.accepted}`);
    }
    chaosLine('report stamped 200 s ahead (inside the signature window)', 'accepted 0 / ignored 3 on controller and Worker; later real reports accepted', { extra: lines });
  });

  it('an unsigned 1 MiB upload is refused from its headers, before its body is sent', async () => {
    const lines: string[] = [];
    for (const p of planesUnderTest()) {
      const u = new URL(p.url);
      const head = `POST /v1/observations HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n`;
      // Not one body byte is sent: a receiver that reads the body first never answers.
      const r = await rawExchange(p.url, head, 3000);
      r.socket.destroy();
      expect(r.text, p.name).toMatch(/^HTTP\/1\.1 401 /);
      expect(r.text, p.name).toContain('E_AUTH_MISSING');
      lines.push(`${p.name}: 401 after ${r.ms.toFixed(0)} ms with 0 of 1,048,576 body bytes sent`);
    }
    chaosLine('unsigned 1 MiB upload, body withheld', 'refused 401 E_AUTH_MISSING from the headers alone', { extra: lines });
  });

  it('caps concurrent uploads: signed-looking uploads that never finish get 503 past the cap, and the receiver recovers', async () => {
    const lines: string[] = [];
    for (const p of planesUnderTest()) {
      const u = new URL(p.url);
      const head = () =>
        `POST /v1/observations HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nX-Edgesteer-Probe: eu-west\r\nX-Edgesteer-Timestamp: ${Date.now()}\r\nX-Edgesteer-Signature: v1=${'ab'.repeat(32)}\r\nContent-Length: 1000\r\n\r\n`;
      const held = await Promise.all(Array.from({ length: 16 }, () => rawExchange(p.url, head(), 300)));
      expect(held.every((h) => h.text === ''), `${p.name}: the first 16 are being read`).toBe(true);
      const over = await rawExchange(p.url, head(), 3000);
      expect(over.text, p.name).toMatch(/^HTTP\/1\.1 503 /);
      expect(over.text, p.name).toContain('E_BUSY');
      for (const h of [...held, over]) h.socket.destroy();
      // Slots come back when the uploads go away.
      const deadline = Date.now() + 5000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        // ap-south: the replay test above pushed eu-west's seq far ahead.
        status = (await postReport(p.url, 'ap-south', round('ap-south', Date.now()))).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, p.name).toBe(200);
      lines.push(`${p.name}: 16 held, 17th → 503 E_BUSY, genuine report 200 after release`);
    }
    chaosLine('17 concurrent uploads that never send their body', '16 read, the 17th refused 503 E_BUSY; slots released on disconnect', { extra: lines });
  });
});

describe('controller write endpoints', () => {
  it('every non-GET route needs the admin token or a probe signature', async () => {
    const h = harness({ app: { adminToken: 'admin-token-for-the-test', reload: async () => ({ result: 'unchanged' as const }) } });
    try {
      const writes = h.app.routes.filter((r) => r.method !== 'GET' && r.method !== 'ALL');
      expect(writes.length).toBeGreaterThan(0);
      const seen: string[] = [];
      for (const r of writes) {
        const anon = await h.app.request(r.path, { method: r.method, body: '{}' });
        const wrong = await h.app.request(r.path, { method: r.method, body: '{}', headers: { authorization: 'Bearer wrong-token' } });
        seen.push(`${r.method} ${r.path}: ${anon.status}/${wrong.status}`);
        expect([401, 403], `${r.method} ${r.path} without credentials`).toContain(anon.status);
        expect([401, 403], `${r.method} ${r.path} with a wrong token`).toContain(wrong.status);
      }
      // The token opens the admin route; nothing else writes.
      const ok = await h.app.request('/v1/reload', { method: 'POST', headers: { authorization: 'Bearer admin-token-for-the-test' } });
      expect(ok.status).toBe(200);
      for (const path of ['/v1/table', '/v1/edges', '/healthz', '/v1/observations', '/v1/reload', '/']) {
        for (const method of ['PUT', 'PATCH', 'DELETE']) {
          const res = await h.app.request(path, { method, body: '{}' });
          expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        }
      }
      // The real process: admin endpoints are off without the token, and refuse a wrong one.
      const real = await fetch(`${ctlUrl}/v1/reload`, { method: 'POST' });
      const realWrong = await fetch(`${ctlUrl}/v1/reload`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
      const realOk = await fetch(`${ctlUrl}/v1/reload`, { method: 'POST', headers: { authorization: 'Bearer chaos-admin-token-0123456789' } });
      chaosLine('unauthenticated writes to every non-GET controller route', '401/403 for each; 200 only with the admin token', {
        extra: [...seen, `process: none ${real.status}, wrong ${realWrong.status}, right ${realOk.status}`],
      });
      expect(real.status).toBe(401);
      expect(realWrong.status).toBe(401);
      expect(realOk.status).toBe(200);
    } finally {
      h.close();
    }
  });
});

/** One DNS query over a fresh TCP connection from 127.0.0.1, decoded with dns-packet (independent of dns-wire). */
function tcpQuery(port: number, name: string, id: number, timeoutMs: number): Promise<{ ms: number; packet: Decoded | undefined; error?: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const finish = (packet: Decoded | undefined, error?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ms: performance.now() - t0, packet, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(undefined, 'timeout'), timeoutMs);
    sock.on('connect', () => sock.write(dnsPacket.streamEncode({ type: 'query', id, flags: 0, questions: [{ type: 'A', name }] })));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(decodeDns(buf.subarray(2, 2 + buf.readUInt16BE(0))));
    });
    sock.on('error', (e) => finish(undefined, e.message));
    sock.on('close', () => finish(undefined, 'closed'));
  });
}

describe('DNS over TCP: one address cannot lock the others out', () => {
  let dns: ChaosProc;
  let port: number;
  beforeAll(async () => {
    dns = startProc('dns-tcp', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0']);
    port = Number((await dns.waitForLog((l) => l.msg === 'dns server ready', 20_000))['port']);
  });
  afterAll(async () => {
    await dns?.stop();
  });

  it('1,000 connections trickling a byte every 4 s from 127.0.0.2; 127.0.0.1 gets every answer over TCP within 1 s', async () => {
    const attackers = new Set<Socket>();
    let opened = 0;
    let stop = false;
    const open = () => {
      if (stop) return;
      opened++;
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      attackers.add(s);
      // The length prefix of a message that never completes, one byte at a time.
      s.on('connect', () => s.write(Buffer.from([0x00])));
      const drip = setInterval(() => s.writable && s.write(Buffer.from([0x20])), 4000);
      s.on('error', () => {});
      s.on('close', () => {
        clearInterval(drip);
        attackers.delete(s);
        // Come back two seconds later: the attacker keeps up to 1,000 connections going.
        if (!stop) setTimeout(open, 2000);
      });
    };
    for (let i = 0; i < 1000; i++) open();
    await new Promise((r) => setTimeout(r, 300));
    const answers: Array<{ ms: number; ok: boolean }> = [];
    try {
      for (let i = 0; i < 12; i++) {
        const r = await tcpQuery(port, 'cdn.example.com', 100 + i, 1000);
        answers.push({ ms: r.ms, ok: r.packet?.rcode === 'NOERROR' && (r.packet.answers?.length ?? 0) > 0 && r.packet.id === 100 + i });
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      stop = true;
      for (const s of attackers) s.destroy();
    }
    const worst = Math.max(...answers.map((a) => a.ms));
    chaosLine('1,000 trickling TCP connections from one address (re-opened as they close)', '127.0.0.1 answered over TCP every time, each within 1 s', {
      extra: [`answered ${answers.filter((a) => a.ok).length}/${answers.length}`, `worst ${worst.toFixed(0)} ms`, `attacker connects ${opened}`],
    });
    expect(answers.filter((a) => a.ok).length).toBe(answers.length);
    expect(worst).toBeLessThan(1000);
  }, 30_000);
});

describe('DNS: response rate limiting and no recursion', () => {
  let dns: ChaosProc;
  let port: number;
  let metricsUrl: string;
  beforeAll(async () => {
    dns = startProc('dns-rrl', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--rrl-rate', '20', '--rrl-slip', '2', '--rrl-exempt', 'none']);
    port = Number((await dns.waitForLog((l) => l.msg === 'dns server ready', 20_000))['port']);
    metricsUrl = String((await dns.waitForLog((l) => l.event === 'metrics_listening', 20_000))['url']);
  });
  afterAll(async () => {
    await dns?.stop();
  });

  /**
   * Sends n copies of a query from `from` at `qps` (paced, so the kernel's
   * socket buffer never drops them: every missing answer is the server's
   * choice); counts full answers, TC answers and silence.
   */
  async function burst(from: string, n: number, dnsPort = port, qps = 1000, name = 'cdn.example.com') {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, from, () => r()));
    const q = Buffer.from(encodeQuery({ name, type: TYPE.A, edns: { udpSize: 1232 } }));
    let full = 0;
    let tc = 0;
    let bytesOut = 0;
    const bad: string[] = [];
    sock.on('message', (m) => {
      bytesOut += m.length;
      if ((m[2]! & 0x02) !== 0) {
        tc++;
        const d = decodeIndependent(m);
        if (d.answers.length !== 0 || d.questions[0]?.name.toLowerCase() !== name) bad.push('TC response with answers or without the question');
      } else if (addressesOf(m).length > 0) full++;
    });
    const t0 = Date.now();
    const per = Math.max(1, Math.round(qps / 100));
    for (let i = 0; i < n; i++) {
      q.writeUInt16BE(i, 0);
      await new Promise<void>((r) => sock.send(q, dnsPort, '127.0.0.1', () => r()));
      if (i % per === per - 1) await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i + 1) * 1000) / qps - Date.now())));
    }
    const sendS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    return { full, tc, dropped: n - full - tc, bytesIn: n * q.length, bytesOut, sendS, bad };
  }

  it('limits responses per /24 with slip 2, per subnet, and dig falls back to TCP', async () => {
    const n = 400;
    const m0 = await getText(metricsUrl);
    const a = await burst('127.0.70.5', n);
    // Same /24 right after: its budget is spent.
    const sameNet = await burst('127.0.70.9', 100);
    // Another /24 has its own budget.
    const otherNet = await burst('127.0.71.5', 100);
    const m1 = await getText(metricsUrl);
    // Off switch: --rrl-rate 0 answers everything.
    const off = startProc('dns-rrl-off', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--rrl-rate', '0']);
    // Default: on (100/s, slip 2), loopback exempt — the whole of 127/8, so the limited side is checked with only 127.0.0.1 exempt.
    const dflt = startProc('dns-rrl-default', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0']);
    const dfltNarrow = startProc('dns-rrl-default-narrow', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--rrl-exempt', '127.0.0.1']);
    // slip 1: every limited response is truncated, so a resolver in a flooded subnet always gets TC and retries over TCP.
    const slip1 = startProc('dns-rrl-slip1', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--rrl-rate', '5', '--rrl-slip', '1', '--rrl-exempt', 'none']);
    const [offPort, dfltPort, narrowPort, slip1Port] = (
      await Promise.all([off, dflt, dfltNarrow, slip1].map((p) => p.waitForLog((l) => l.msg === 'dns server ready', 20_000)))
    ).map((l) => Number(l['port']));
    const unlimited = await burst('127.0.72.5', n, offPort);
    const exempt = await burst('127.0.73.5', n, dfltPort);
    const defaultLimited = await burst('127.0.73.5', n, narrowPort);
    // A flood from 127.0.74.6 keeps the subnet over its limit while dig (127.0.74.5) asks.
    const flood = burst('127.0.74.6', 300, slip1Port, 300);
    await new Promise((r) => setTimeout(r, 300));
    const viaDig = await digRaw(['@127.0.0.1', '-p', String(slip1Port), '-b', '127.0.74.5', 'cdn.example.com', 'A', '+tries=1', '+time=2']);
    await flood;
    await Promise.all([off.stop(), dflt.stop(), dfltNarrow.stop(), slip1.stop()]);

    const allowed = (secs: number, rate: number) => rate + Math.ceil(rate * (secs + 0.05)) + 1;
    const ratio = a.bytesOut / a.bytesIn;
    const limited = n - a.full;
    const counted = {
      dropped: metricSum(m1, 'edgesteer_dns_rrl_limited_total', { action: 'dropped' }) - metricSum(m0, 'edgesteer_dns_rrl_limited_total', { action: 'dropped' }),
      slipped: metricSum(m1, 'edgesteer_dns_rrl_limited_total', { action: 'slipped' }) - metricSum(m0, 'edgesteer_dns_rrl_limited_total', { action: 'slipped' }),
    };
    const truncatedRetry = /Truncated, retrying in TCP mode/.test(viaDig);
    chaosLine(`UDP flood: ${n} queries in ${a.sendS.toFixed(2)} s from one /24 (--rrl-rate 20 --rrl-slip 2)`, `≤ ${allowed(a.sendS, 20)} answered, half the rest TC, half dropped; other /24 unaffected; dig in a flooded subnet retries over TCP; loopback exempt by default`, {
      extra: [
        `answered ${a.full}, TC ${a.tc}, dropped ${a.dropped}`,
        `server counted dropped ${counted.dropped}, slipped ${counted.slipped}`,
        `bytes out/in ${ratio.toFixed(2)}`,
        `same /24 next: ${sameNet.full}/100`,
        `other /24: ${otherNet.full}/100`,
        `rate 0: ${unlimited.full}/${n}`,
        `default (100/s, 127/8 exempt): ${exempt.full}/${n}; default rate with only 127.0.0.1 exempt: ${defaultLimited.full}/${n} answered + ${defaultLimited.tc} TC`,
        `dig: ${truncatedRetry ? 'TC → retried over TCP' : 'no TC'}, ${/status: (\w+)/.exec(viaDig)?.[1]}`,
      ],
    });
    expect(a.bad).toEqual([]);
    expect(a.full).toBeGreaterThanOrEqual(20);
    expect(a.full).toBeLessThanOrEqual(allowed(a.sendS, 20));
    expect(Math.abs(a.tc - limited / 2)).toBeLessThanOrEqual(1);
    expect(Math.abs(a.dropped - limited / 2)).toBeLessThanOrEqual(1);
    // The server's own counters agree with what the client saw (all three bursts).
    expect(counted.slipped).toBe(a.tc + sameNet.tc + otherNet.tc);
    expect(counted.dropped).toBe(a.dropped + sameNet.dropped + otherNet.dropped);
    // A flood cannot be reflected with gain: fewer bytes go out than came in.
    expect(ratio).toBeLessThan(1);
    expect(sameNet.full).toBeLessThan(20);
    expect(otherNet.full).toBeGreaterThanOrEqual(20);
    expect(unlimited.full).toBe(n);
    expect(exempt.full).toBe(n);
    expect(defaultLimited.full).toBeLessThanOrEqual(allowed(defaultLimited.sendS, 100));
    expect(defaultLimited.tc).toBeGreaterThan(0);
    expect(truncatedRetry).toBe(true);
    expect(viaDig).toMatch(/status: NOERROR/);
    expect(viaDig).toContain(EDGE_ADDR['use1']);
  });

  it('never answers recursively and cannot amplify ANY', async () => {
    // (Uses the RRL server with a fresh /24: its budget of 20/s is enough for these probes.)
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const ask = (q: Uint8Array) =>
      new Promise<Buffer>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no answer')), 2000);
        sock.once('message', (m) => (clearTimeout(t), resolve(m)));
        sock.send(q, port, '127.0.0.1');
      });
    try {
      const rows: string[] = [];
      // RD=1 for a name outside our zones: REFUSED, no recursion offered.
      for (const name of ['www.google.com', 'example.net', '.']) {
        const res = decodeIndependent(await ask(encodeQuery({ name, type: TYPE.A, rd: true })));
        expect(res.rcode, name).toBe(RCODE.REFUSED);
        expect(res.flags.ra, name).toBe(false);
        expect(res.answers, name).toEqual([]);
      }
      // RD=1 in our zone: the same authoritative answer as RD=0, RA=0.
      const rd1 = decodeIndependent(await ask(encodeQuery({ name: 'cdn.example.com', type: TYPE.A, rd: true })));
      const rd0 = decodeIndependent(await ask(encodeQuery({ name: 'cdn.example.com', type: TYPE.A, rd: false })));
      expect(rd1.flags.ra).toBe(false);
      expect(rd1.flags.aa).toBe(true);
      expect(rd1.answers).toEqual(rd0.answers);
      // Amplification: response size / query size for every name and type we serve.
      let maxAny = 0;
      let maxAll = { ratio: 0, what: '' };
      const existing = new Set(['example.com', 'cdn.example.com', 'ns1.example.com']);
      for (const name of ['example.com', 'cdn.example.com', 'ns1.example.com', 'nope.example.com']) {
        for (const [tname, type] of Object.entries({ A: TYPE.A, AAAA: TYPE.AAAA, NS: TYPE.NS, SOA: TYPE.SOA, TXT: TYPE.TXT, ANY: TYPE.ANY, AXFR: TYPE.AXFR })) {
          for (const edns of [false, true]) {
            const q = encodeQuery({ name, type, rd: true, ...(edns ? { edns: { udpSize: 4096 } } : {}) });
            const r = await ask(q);
            const ratio = r.length / q.length;
            if (type === TYPE.ANY && existing.has(name)) maxAny = Math.max(maxAny, ratio);
            if (ratio > maxAll.ratio) maxAll = { ratio, what: `${tname} ${name}${edns ? ' +edns' : ''}` };
            expect((r[3]! & 0x80) === 0, 'RA must be 0').toBe(true);
          }
        }
      }
      const out = await digRaw(['@127.0.0.1', '-p', String(port), '+rec', 'www.example.org']);
      rows.push(`dig +rec other zone: ${/status: (\w+)/.exec(out)?.[1]}, ra flag: ${/flags:[^;]*\bra\b/.test(out)}`);
      chaosLine('recursion and amplification probes (RD=1 elsewhere; ANY and every type at every name)', 'REFUSED + RA=0 outside our zones; RD ignored; ANY response/query ≤ 2.5 (RFC 8482), any response ≤ 4×', {
        extra: [`max ANY ratio ${maxAny.toFixed(2)}`, `max ratio any type ${maxAll.ratio.toFixed(2)} (${maxAll.what})`, ...rows],
      });
      expect(maxAny).toBeLessThanOrEqual(2.5);
      // The largest is NXDOMAIN with the SOA in authority (RFC 2308), about 3×; an open resolver's ANY is 50–100×.
      expect(maxAll.ratio).toBeLessThanOrEqual(4);
      expect(out).toMatch(/status: REFUSED/);
      expect(out).not.toMatch(/flags:[^;]*\bra\b/);
    } finally {
      sock.close();
    }
  });
});

describe('sanity', () => {
  it('a genuine report still works after all that', async () => {
    const res = await postReport(ctlUrl, 'us-east', round('us-east', Date.now()));
    expect(res.status).toBe(200);
    await until(async () => (await getJson<{ ok: boolean }>(`${ctlUrl}/healthz`)).ok, 3000, 'healthz');
  });
});
