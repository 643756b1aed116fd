/**
 * Probe checks against real servers on 127.0.0.21-27: what each kind of
 * broken edge looks like as an observation.
 */
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeSchema, type Edge, type PolicyInput } from '@edgesteer/policy';
import { ObservationSchema } from '@edgesteer/core';
import { MAX_BODY_BYTES, PROBE_REGION_HEADER, PROBE_USER_AGENT, runCheck } from '@edgesteer/probes';
import { handlers, refusedPort, startHttpEdge, startTcpEdge, type EdgeServer } from './support/probe-edges.js';
import { selfSignedCert, type TestCert } from './support/probe-fixtures.js';

type CheckInput = PolicyInput['edges'][number]['check'];

const servers: EdgeServer[] = [];
async function keep(s: Promise<EdgeServer>): Promise<EdgeServer> {
  const server = await s;
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function edgeAt(server: { host: string; port: number }, check: Partial<CheckInput> & { type: CheckInput['type'] }, id = 'edge-under-test'): Edge {
  return EdgeSchema.parse({ id, region: 'eu', ipv4: [server.host], check: { port: server.port, timeoutMs: 2000, ...check } });
}

async function check(edge: Edge, extra: { lookup?: LookupFunction; ca?: string } = {}) {
  const obs = await runCheck(edge, { probeRegion: 'eu', ...extra });
  // Every observation must be valid on the wire.
  expect(ObservationSchema.parse(obs)).toEqual(obs);
  return obs;
}

let up: EdgeServer, err500: EdgeServer, hang: EdgeServer, slow: EdgeServer;
let cert: TestCert;

beforeAll(async () => {
  up = await keep(startHttpEdge('127.0.0.21', handlers.ok('edge ok: build 1234')));
  err500 = await keep(startHttpEdge('127.0.0.22', handlers.status(500)));
  hang = await keep(startHttpEdge('127.0.0.23', handlers.hang()));
  slow = await keep(startHttpEdge('127.0.0.26', handlers.slow(300)));
  cert = selfSignedCert('edge.test', ['edge.test', '127.0.0.25']);
});

describe('HTTP checks', () => {
  it('an edge that is up: ok, connect and first-byte RTT measured, probe headers sent', async () => {
    const obs = await check(edgeAt(up, { type: 'http' }));
    expect(obs).toMatchObject({ probeRegion: 'eu', edge: 'edge-under-test', ok: true, detail: 'HTTP 200' });
    expect(obs.reason).toBeUndefined();
    expect(obs.connectMs).toBeGreaterThanOrEqual(0);
    expect(obs.firstByteMs).toBeGreaterThanOrEqual(obs.connectMs!);
    const req = up.requests.at(-1)!;
    expect(req.headers['user-agent']).toBe(PROBE_USER_AGENT);
    expect(req.headers[PROBE_REGION_HEADER]).toBe('eu');
    expect(req.headers.host).toBe(`127.0.0.21:${up.port}`);
    expect(req.headers.connection).toBe('close');
  });

  it('an edge that returns 500: reason status, with the code in the detail', async () => {
    const obs = await check(edgeAt(err500, { type: 'http' }));
    expect(obs).toMatchObject({ ok: false, reason: 'status', detail: 'HTTP 500, expected 200' });
    expect(obs.firstByteMs).toBeDefined();
  });

  it('the expected status set decides what counts as up', async () => {
    expect((await check(edgeAt(err500, { type: 'http', expectStatus: [500, 503] }))).ok).toBe(true);
    expect((await check(edgeAt(up, { type: 'http', expectStatus: [204] }))).reason).toBe('status');
  });

  it('an edge that hangs: reason timeout at the deadline, connection closed', async () => {
    const before = hang.conns.total;
    const obs = await check(edgeAt(hang, { type: 'http', timeoutMs: 300 }));
    expect(obs).toMatchObject({ ok: false, reason: 'timeout' });
    expect(obs.detail).toMatch(/300 ms \(waiting for the response\)/);
    expect(obs.connectMs).toBeDefined();
    expect(obs.firstByteMs).toBeUndefined();
    expect(hang.conns.total).toBe(before + 1);
    await expect.poll(() => hang.conns.open).toBe(0);
  });

  it('a cancelled check (probe stopping) lets go of its socket at once', async () => {
    const stop = new AbortController();
    const pending = runCheck(edgeAt(hang, { type: 'http', timeoutMs: 60_000 }), { probeRegion: 'eu', signal: stop.signal });
    await expect.poll(() => hang.conns.open).toBe(1);
    stop.abort();
    expect(await pending).toMatchObject({ ok: false, reason: 'other', detail: 'check cancelled: probe stopping' });
    await expect.poll(() => hang.conns.open).toBe(0);
  });

  it('slow first byte: firstByteMs carries the delay, connectMs does not', async () => {
    const obs = await check(edgeAt(slow, { type: 'http' }));
    expect(obs.ok).toBe(true);
    expect(obs.firstByteMs).toBeGreaterThanOrEqual(300);
    expect(obs.connectMs).toBeLessThan(300);
  });

  it.each([
    { name: 'closes right after accepting', onSocket: (s: import('node:net').Socket) => s.end() },
    { name: 'resets right after accepting (RST)', onSocket: (s: import('node:net').Socket) => s.resetAndDestroy() },
    { name: 'reads the request and then resets', onSocket: (s: import('node:net').Socket) => s.once('data', () => s.resetAndDestroy()) },
    { name: 'sends half a response and closes', onSocket: (s: import('node:net').Socket) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial')) },
  ])('an edge that $name: reason reset', async ({ onSocket }) => {
    const server = await keep(startTcpEdge('127.0.0.24', onSocket));
    const obs = await check(edgeAt(server, { type: 'http', bodyContains: 'never there' }));
    expect(obs).toMatchObject({ ok: false, reason: 'reset' });
  });

  it('nothing listening: reason refused', async () => {
    const port = await refusedPort('127.0.0.24');
    const obs = await check(edgeAt({ host: '127.0.0.24', port }, { type: 'http' }));
    expect(obs).toMatchObject({ ok: false, reason: 'refused' });
    expect(obs.connectMs).toBeUndefined();
  });

  it('a name that does not resolve: reason dns (resolver injected; no real DNS query leaves the machine)', async () => {
    const lookup: LookupFunction = (hostname, _opts, cb) => {
      const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      process.nextTick(() => (cb as (err: Error) => void)(e));
    };
    const edge = EdgeSchema.parse({ id: 'named', region: 'eu', check: { type: 'http', address: 'edge.invalid', port: 80 } });
    const obs = await check(edge, { lookup });
    expect(obs).toMatchObject({ ok: false, reason: 'dns' });
  });

  it('a name that resolves: connect time is measured after the lookup', async () => {
    const lookup: LookupFunction = (_hostname, opts, cb) => {
      // net.connect asks for all addresses when it may race families (autoSelectFamily).
      const answer = (opts as { all?: boolean }).all ? [[{ address: '127.0.0.21', family: 4 }]] : ['127.0.0.21', 4];
      setTimeout(() => (cb as (e: null, ...a: unknown[]) => void)(null, ...answer), 200);
    };
    const edge = EdgeSchema.parse({ id: 'named', region: 'eu', check: { type: 'http', address: 'up.edge.test', port: up.port } });
    const obs = await check(edge, { lookup });
    expect(obs.ok).toBe(true);
    expect(obs.connectMs).toBeLessThan(200);
    expect(up.requests.at(-1)!.headers.host).toBe(`up.edge.test:${up.port}`);
  });
});

describe('body checks', () => {
  let big: EdgeServer;
  beforeAll(async () => {
    big = await keep(
      startHttpEdge('127.0.0.21', (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        if (req.url === '/late') {
          // The marker sits after the 64 KiB read limit.
          res.end('x'.repeat(MAX_BODY_BYTES + 10) + 'MARKER');
        } else if (req.url === '/split') {
          // The marker straddles two writes (two chunks on the wire).
          res.write('x'.repeat(5000) + 'MAR');
          setTimeout(() => res.end('KER' + 'y'.repeat(100)), 20);
        } else {
          res.end('hello MARKER world');
        }
      }),
    );
  });

  it.each([
    { path: '/', needle: 'MARKER', ok: true },
    { path: '/', needle: 'missing', ok: false, detail: /not found in the body \(18 bytes\)/ },
    { path: '/split', needle: 'MARKER', ok: true },
    { path: '/late', needle: 'MARKER', ok: false, detail: /first 65536 bytes/ },
  ])('$path contains "$needle" → ok=$ok', async ({ path, needle, ok, detail }) => {
    const obs = await check(edgeAt(big, { type: 'http', path, bodyContains: needle }));
    expect(obs.ok).toBe(ok);
    if (!ok) {
      expect(obs.reason).toBe('body');
      expect(obs.detail).toMatch(detail!);
    }
  });
});

describe('Host header and redirects', () => {
  let site: EdgeServer;
  beforeAll(async () => {
    site = await keep(
      startHttpEdge('127.0.0.21', (req, res) => {
        const u = req.url ?? '/';
        if (u === '/start') return handlers.redirect('/middle')(req, res);
        if (u === '/middle') return handlers.redirect(`http://${req.headers.host}/final?x=1`, 301)(req, res);
        if (u === '/final?x=1') return handlers.ok('final page')(req, res);
        if (u === '/away') return handlers.redirect('http://elsewhere.example/')(req, res);
        if (u.startsWith('/loop')) return handlers.redirect(`/loop${u.length}`)(req, res);
        res.writeHead(404).end();
      }),
    );
  });

  it('sends the configured Host header', async () => {
    await check(edgeAt(site, { type: 'http', path: '/final?x=1', host: 'cdn.example.com' }));
    expect(site.requests.at(-1)!.headers.host).toBe('cdn.example.com');
  });

  it('does not follow redirects unless asked: a 302 is just a status', async () => {
    const obs = await check(edgeAt(site, { type: 'http', path: '/start' }));
    expect(obs).toMatchObject({ ok: false, reason: 'status', detail: 'HTTP 302, expected 200' });
    expect((await check(edgeAt(site, { type: 'http', path: '/start', expectStatus: [302] }))).ok).toBe(true);
  });

  it('follows same-host redirects when asked, and judges the final answer', async () => {
    const n = site.requests.length;
    const obs = await check(edgeAt(site, { type: 'http', path: '/start', followRedirects: true, bodyContains: 'final' }));
    expect(obs).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(site.requests.slice(n).map((r) => r.url)).toEqual(['/start', '/middle', '/final?x=1']);
  });

  it('refuses to follow a redirect to another host', async () => {
    const obs = await check(edgeAt(site, { type: 'http', path: '/away', followRedirects: true }));
    expect(obs).toMatchObject({ ok: false, reason: 'status' });
    expect(obs.detail).toMatch(/elsewhere\.example not followed/);
  });

  it('stops after 5 redirects', async () => {
    const n = site.requests.length;
    const obs = await check(edgeAt(site, { type: 'http', path: '/loop', followRedirects: true }));
    expect(obs).toMatchObject({ ok: false, reason: 'status' });
    expect(obs.detail).toMatch(/more than 5 redirects/);
    expect(site.requests.length - n).toBe(6);
  });
});

describe('HTTPS checks', () => {
  let tlsEdge: EdgeServer;
  beforeAll(async () => {
    tlsEdge = await keep(startHttpEdge('127.0.0.25', handlers.ok('secure ok'), { tls: cert }));
  });

  it('a self-signed certificate fails with reason tls', async () => {
    const obs = await check(edgeAt(tlsEdge, { type: 'https' }));
    expect(obs).toMatchObject({ ok: false, reason: 'tls' });
    expect(obs.detail).toMatch(/self[- ]signed/i);
  });

  it('passes with insecureSkipVerify (the explicit per-edge opt-out)', async () => {
    const obs = await check(edgeAt(tlsEdge, { type: 'https', insecureSkipVerify: true, bodyContains: 'secure' }));
    expect(obs).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(obs.connectMs).toBeDefined();
  });

  it('verifies against a trusted CA, by SNI name', async () => {
    const obs = await check(edgeAt(tlsEdge, { type: 'https', host: 'edge.test' }), { ca: cert.cert });
    expect(obs.ok).toBe(true);
    expect(tlsEdge.requests.at(-1)!.headers.host).toBe('edge.test');
  });

  it('verifies by IP when there is no name', async () => {
    expect((await check(edgeAt(tlsEdge, { type: 'https' }), { ca: cert.cert })).ok).toBe(true);
  });

  it('a certificate for another name fails with reason tls, even from a trusted CA', async () => {
    const obs = await check(edgeAt(tlsEdge, { type: 'https', sni: 'other.test' }), { ca: cert.cert });
    expect(obs).toMatchObject({ ok: false, reason: 'tls' });
  });

  it('TLS to a plain HTTP port fails with reason tls', async () => {
    const obs = await check(edgeAt(up, { type: 'https', insecureSkipVerify: true }));
    expect(obs).toMatchObject({ ok: false, reason: 'tls' });
  });
});

describe('TCP checks', () => {
  it('up: connect time measured, no first byte', async () => {
    const server = await keep(startTcpEdge('127.0.0.27', (s) => s.on('data', () => {})));
    const obs = await check(edgeAt(server, { type: 'tcp' }));
    expect(obs).toMatchObject({ ok: true });
    expect(obs.connectMs).toBeGreaterThanOrEqual(0);
    expect(obs.firstByteMs).toBeUndefined();
  });

  it('refused: reason refused', async () => {
    const port = await refusedPort('127.0.0.27');
    expect(await check(edgeAt({ host: '127.0.0.27', port }, { type: 'tcp' }))).toMatchObject({ ok: false, reason: 'refused' });
  });
});
