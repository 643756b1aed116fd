/**
 * HTTP fuzzing of the controller and the Worker as real processes (and the
 * demo control endpoint in-process): random bodies to the ingest endpoints,
 * random DoH messages and parameters, random paths and methods, huge bodies
 * (declared and chunked), and slow clients (slowloris). Every answer must be
 * a clear 2xx (a DNS answer) or 4xx — never a 5xx, never a hang — memory must
 * stay bounded, and slow clients must be cut off with 408 by the shipped
 * defaults (request head within 10 s).
 */
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { chaosLine, scale } from '../chaos/support/report.js';
import { killAll, sleep, startControllerAndWorker, type ChaosProc } from '../chaos/support/proc.js';
import { KEYS, postReport, round, tempDir, writeKeyFile, writePolicy } from '../chaos/support/stack.js';
import { DnsFuzzer, Rng } from './support/dns-mutator.js';

const tmp = tempDir('http-fuzz');
/**
 * RSS alone cannot tell a leak from V8 letting its heap grow between
 * collections (it wanders by tens of MB under load). So both processes run
 * with the old generation capped: the legitimate peak (30 concurrent
 * near-limit bodies, ~90 MiB) fits, but keeping what each round of huge
 * uploads pushes through would exhaust it within a few rounds — the process
 * would crash or answer 5xx, which the test catches.
 */
const HEAP_CAP = { NODE_OPTIONS: '--max-old-space-size=192' };
let controller: ChaosProc;
let worker: ChaosProc;
let ctlUrl: string;
let workerUrl: string;

beforeAll(async () => {
  const policyFile = join(tmp.dir, 'policy.json');
  writePolicy(policyFile, { ports: {}, intervalMs: 1000 });
  ({ controller, worker, ctlUrl, workerUrl } = await startControllerAndWorker({ policyFile, keyFile: writeKeyFile(tmp.dir), controllerEnv: HEAP_CAP, workerEnv: HEAP_CAP }));
}, 60_000);

afterAll(async () => {
  await Promise.all([controller?.stop(), worker?.stop()]);
  killAll();
  tmp.cleanup();
});

/** Status counts; any 5xx or failure to answer is a finding. */
class Statuses {
  readonly by = new Map<string, number>();
  readonly findings: string[] = [];
  add(what: string, status: number | string): void {
    const k = String(status);
    this.by.set(k, (this.by.get(k) ?? 0) + 1);
    if (typeof status !== 'number' || status >= 500) if (this.findings.length < 10) this.findings.push(`${what} → ${status}`);
  }
  text(): string {
    return [...this.by].sort().map(([k, v]) => `${k}×${v}`).join(' ');
  }
}

async function send(s: Statuses, what: string, url: string, init: RequestInit = {}): Promise<number> {
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    s.add(what, res.status);
    return res.status;
  } catch (err) {
    s.add(what, `error: ${(err as Error).message}`);
    return 0;
  }
}

function randomBody(r: Rng): string | Uint8Array<ArrayBuffer> {
  switch (r.int(6)) {
    case 0:
      return r.bytes(r.int(4096));
    case 1:
      return JSON.stringify({ probe: 'eu-west', region: 'eu-west', seq: r.next(), sentAt: r.next(), observations: Array.from({ length: r.int(5) }, () => ({ edge: 'x', ok: r.int(2) === 1 })) });
    case 2:
      return '{'.repeat(r.int(20000));
    case 3:
      return `{"probe":"${'\\u0000'.repeat(r.int(50))}","observations":[${'1,'.repeat(r.int(1000))}1]}`;
    case 4:
      return '';
    default:
      return JSON.stringify(round('eu-west', Date.now()));
  }
}

/** Random signature headers: none, partial, garbage, a real probe id with a wrong MAC. */
function randomAuth(r: Rng): Record<string, string> {
  switch (r.int(4)) {
    case 0:
      return {};
    case 1:
      return { 'x-edgesteer-probe': 'eu-west' };
    case 2:
      return { 'x-edgesteer-probe': 'eu-west', 'x-edgesteer-timestamp': String(Date.now()), 'x-edgesteer-signature': `v1=${'ab'.repeat(32)}` };
    default:
      return { 'x-edgesteer-probe': String.fromCharCode(...r.bytes(8).map((b) => 0x41 + (b % 26))), 'x-edgesteer-timestamp': String(r.next()), 'x-edgesteer-signature': `v1=${r.next()}` };
  }
}

/** POSTs `size` bytes chunked (no Content-Length); resolves with the status, or the error if the server cut the upload. */
function chunkedUpload(url: string, size: number, extra: Record<string, string> = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...extra } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err) => resolve(`error: ${err.message}`));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * Opens a slowloris connection: a request head sent one header line per
 * second, never finished. From its own address (127.0.0.2): the receivers
 * cap connections per source, so the slow clients are one attacker and the
 * rest of the test is another client.
 */
function slowloris(url: string, path: string): Promise<{ status: string; ms: number }> {
  const u = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ port: Number(u.port), host: u.hostname, localAddress: '127.0.0.2' });
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    sock.on('connect', () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\n`);
      let i = 0;
      timer = setInterval(() => sock.write(`x-slow-${i++}: ${'y'.repeat(10)}\r\n`), 1000);
    });
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearInterval(timer);
      resolve({ status: /^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 'closed', ms: Date.now() - t0 });
    });
    setTimeout(() => sock.destroy(), 40_000);
  });
}

describe('HTTP fuzzing and slow clients', () => {
  it('random, huge and slow requests to the controller and the Worker get clear 4xx with bounded memory', async () => {
    const r = new Rng(0xf00d);
    const fuzzer = new DnsFuzzer(0xd0d0);
    const s = new Statuses();
    const rss0 = { controller: controller.rssMb(), worker: worker.rssMb() };
    const peak = { controller: rss0.controller, worker: rss0.worker };
    const sampler = setInterval(() => {
      peak.controller = Math.max(peak.controller, controller.rssMb());
      peak.worker = Math.max(peak.worker, worker.rssMb());
    }, 200);

    // Slow clients first: they hold their connections while everything else runs.
    const slowCount = scale(100, 500);
    const slow = [...Array.from({ length: slowCount }, () => slowloris(ctlUrl, '/v1/observations')), ...Array.from({ length: slowCount }, () => slowloris(workerUrl, '/v1/observations'))];
    const slowStart = Date.now();

    // Random bodies and headers to ingest (both planes).
    const rounds = scale(400, 5000);
    for (let i = 0; i < rounds; i++) {
      const url = i % 2 === 0 ? ctlUrl : workerUrl;
      const body = randomBody(r);
      await send(s, `ingest #${i}`, `${url}/v1/observations`, { method: 'POST', headers: { 'content-type': r.int(4) === 0 ? 'text/plain' : 'application/json', ...randomAuth(r) }, body });
    }
    // Random DoH: fuzz packets by GET and POST, random dns= strings, wrong content types.
    const dohRounds = scale(400, 5000);
    for (let i = 0; i < dohRounds; i++) {
      const pkt = fuzzer.packet();
      switch (i % 4) {
        case 0:
          await send(s, `doh get #${i}`, `${workerUrl}/dns-query?dns=${Buffer.from(pkt).toString('base64url')}`);
          break;
        case 1:
          await send(s, `doh post #${i}`, `${workerUrl}/dns-query`, { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: new Uint8Array(pkt) });
          break;
        case 2:
          await send(s, `doh garbage #${i}`, `${workerUrl}/dns-query?dns=${encodeURIComponent(String.fromCharCode(...r.bytes(r.int(200)).map((b) => 32 + (b % 90))))}`);
          break;
        default:
          await send(s, `resolve #${i}`, `${workerUrl}/resolve?name=${encodeURIComponent(String.fromCharCode(...r.bytes(r.int(300)).map((b) => 33 + (b % 90))))}&type=${r.int(70000)}&edns_client_subnet=${r.int(300)}.0.0.0/${r.int(200)}`);
      }
    }
    // Random paths and methods on both.
    for (let i = 0; i < scale(200, 2000); i++) {
      const url = i % 2 === 0 ? ctlUrl : workerUrl;
      const method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
      const path = r.pick(['/', '/v1/table', '/v1/reload', '/v1/observations', '/healthz', '/steer/cdn', '/steer/' + 'a'.repeat(r.int(3000)), '/dns-query', '/%00%ff', '/../../etc/passwd', `/${r.next()}`]);
      await send(s, `${method} ${path.slice(0, 40)}`, url + path, { method, ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: r.bytes(r.int(100)) }) });
    }

    // Huge bodies: declared (refused before reading) and chunked (refused after the limit). They carry
    // well-formed signature headers of a known probe, or they would be refused from the headers alone (401).
    const signedLooking = () => ({ 'x-edgesteer-probe': 'eu-west', 'x-edgesteer-timestamp': String(Date.now()), 'x-edgesteer-signature': `v1=${'ab'.repeat(32)}` });
    // Repeated: memory after the last round must be where it was after the first (no leak).
    const huge: Array<{ what: string; status: number | string }> = [];
    const afterRound: Array<{ controller: number; worker: number }> = [];
    for (let roundNo = 0; roundNo < scale(5, 15); roundNo++) {
      for (const url of [ctlUrl, workerUrl]) {
        const side = url === ctlUrl ? 'controller' : 'worker';
        const declared = await send(s, 'declared 8 MB', `${url}/v1/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedLooking() }, body: Buffer.alloc(8 * 1024 * 1024, 0x20) });
        huge.push({ what: `${side} declared 8 MB`, status: declared });
        const chunked = await chunkedUpload(`${url}/v1/observations`, 32 * 1024 * 1024, signedLooking());
        huge.push({ what: `${side} chunked 32 MB`, status: chunked });
        // 30 unsigned uploads just under the limit at once: refused from their headers (401), bodies never read.
        const near = await Promise.all(Array.from({ length: 30 }, () => send(s, 'near-limit', `${url}/v1/observations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(1000 * 1024, 0x20) })));
        if (roundNo === 0) huge.push({ what: `${side} 30 × 1000 KiB unsigned`, status: [...new Set(near)].join('/') });
      }
      afterRound.push({ controller: controller.rssMb(), worker: worker.rssMb() });
    }
    const dohBig = await send(s, 'doh post 70 KB', `${workerUrl}/dns-query`, { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: Buffer.alloc(70_000) });
    const dohLong = await send(s, 'doh get 100k', `${workerUrl}/dns-query?dns=${'A'.repeat(100_000)}`);

    // While the slow clients hang on, real traffic still flows.
    const okReport = await postReport(ctlUrl, 'eu-west', round('eu-west', Date.now()), { key: KEYS['eu-west']! });
    const okDoh = await fetch(`${workerUrl}/dns-query?dns=${Buffer.from(encodeQuery({ name: 'cdn.example.com', type: TYPE.A })).toString('base64url')}`);
    const slowResults = await Promise.all(slow);
    const slowS = (Date.now() - slowStart) / 1000;
    clearInterval(sampler);
    await sleep(300);
    const rss1 = { controller: controller.rssMb(), worker: worker.rssMb() };
    const slow408 = slowResults.filter((x) => x.status === '408').length;
    // Past the per-source cap (64) a slow client is refused at accept: closed at once, no reply.
    const slowRefused = slowResults.filter((x) => x.status === 'closed' && x.ms < 3000).length;
    const slowMaxS = Math.max(...slowResults.map((x) => x.ms)) / 1000;

    chaosLine(`HTTP fuzz: ${rounds} random ingest bodies, ${dohRounds} random DoH/resolve, huge (8 MB declared, 32 MB chunked, 30×1000 KiB), ${2 * slowCount} slowloris`, 'only 2xx/4xx, never 5xx or a hang; 413/414 for huge; slow clients cut with 408 ≤ 12 s; peak RSS ≤ concurrency × limit; repeated rounds survive a 192 MB heap cap', {
      rssMb: { before: rss0.controller + rss0.worker, after: rss1.controller + rss1.worker },
      extra: [
        `statuses ${s.text()}`,
        `5xx/hangs ${s.findings.length}`,
        `huge: ${[...new Set(huge.map((h) => h.what))].map((w) => `${w} → ${[...new Set(huge.filter((h) => h.what === w).map((h) => h.status))].join('/')}`).join('; ')}; DoH 70 KB → ${dohBig}, dns= 100k → ${dohLong}`,
        `slowloris 408 ${slow408}/${slowResults.length}, refused at accept ${slowRefused}, cut after ≤ ${slowMaxS.toFixed(1)} s`,
        `peak RSS controller ${peak.controller.toFixed(0)} MB, worker ${peak.worker.toFixed(0)} MB (bound: start + ${30 * 4 + slowCount * 0.25 + 80} MB)`,
        `RSS after huge rounds: ${afterRound.map((x) => (x.controller + x.worker).toFixed(0)).join(' → ')} MB`,
      ],
    });
    expect(s.findings).toEqual([]);
    expect(controller.alive() && worker.alive()).toBe(true);
    for (const h of huge) expect(String(h.status), h.what).toMatch(/^413$|^401$|^error: (write EPIPE|read ECONNRESET|socket hang up|write ECONNRESET)/);
    expect(huge.filter((h) => !h.what.includes('unsigned')).every((h) => String(h.status) !== '401')).toBe(true);
    expect(dohBig).toBe(413);
    // Node refuses a request line beyond its 16 KiB header limit (431) before the app's 414.
    expect([414, 431]).toContain(dohLong);
    expect(okReport.status).toBe(200);
    expect(okDoh.status).toBe(200);
    expect(slow408 + slowRefused).toBe(slowResults.length);
    expect(slow408).toBeGreaterThanOrEqual(2 * Math.min(slowCount, 64));
    expect(slowMaxS).toBeLessThan(13);
    expect(slowS).toBeGreaterThan(9);
    // Bounded by concurrency × body limit: a report body is buffered (bytes, copy, text: ~3 MiB) before its
    // signature can be checked, so 30 concurrent near-limit uploads cost ~90 MiB; each slow client a little.
    const bound = 30 * 4 + slowCount * 0.25 + 80;
    expect(peak.controller - rss0.controller).toBeLessThan(bound);
    expect(peak.worker - rss0.worker).toBeLessThan(bound);
    // No leak: every round of huge uploads (~70 MB through each side) was survived under the heap cap.
    expect(afterRound.length).toBe(scale(5, 15));
    expect(afterRound.every((r) => r.controller > 0 && r.worker > 0)).toBe(true);
  }, scale(90_000, 600_000));

  it('the demo control endpoint of `edgesteer run` refuses big bodies with 413 and slow clients with 408', async () => {
    const mod = (await import('../../packages/cli/dist/run/demo-control.js')) as {
      startDemoControl: (demo: unknown, listen: string) => Promise<{ url: string; close(): Promise<void> }>;
    };
    const calls: string[] = [];
    const demo = { edges: () => [], set: async (id: string, action: string) => (calls.push(`${id}:${action}`), { id, state: action }) };
    const ctl = await mod.startDemoControl(demo, '127.0.0.1:0');
    try {
      const json = { 'content-type': 'application/json' };
      const declared = await fetch(`${ctl.url}/demo/edges/euw1`, { method: 'POST', headers: json, body: Buffer.alloc(1024 * 1024, 0x20) });
      const chunked = await chunkedUpload(`${ctl.url}/demo/edges/euw1`, 4 * 1024 * 1024);
      const bad = await fetch(`${ctl.url}/demo/edges/euw1`, { method: 'POST', headers: json, body: '{"action":"explode"}' });
      const good = await fetch(`${ctl.url}/demo/edges/euw1`, { method: 'POST', headers: json, body: '{"action":"down"}' });
      chaosLine('demo control: 1 MiB declared and 4 MiB chunked bodies', '413, nothing applied; valid request still works', {
        extra: [`declared → ${declared.status}`, `chunked → ${chunked}`, `bad action → ${bad.status}`, `valid → ${good.status}`, `applied ${calls.join(',')}`],
      });
      expect(declared.status).toBe(413);
      expect(String(chunked)).toMatch(/^413$|^error: (write EPIPE|read ECONNRESET|socket hang up|write ECONNRESET)/);
      expect(bad.status).toBe(400);
      expect(good.status).toBe(200);
      expect(calls).toEqual(['euw1:down']);
    } finally {
      await ctl.close();
    }
  });
});
