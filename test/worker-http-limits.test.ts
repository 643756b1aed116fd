/**
 * The Worker on Node under abusive HTTP/2 and HTTP/1.1 clients (#14 rows 5
 * and 6), over real sockets on loopback:
 *
 * - h2c advertises and enforces a bounded number of concurrent streams
 *   (raw frames, so a client that ignores SETTINGS is tested too);
 * - a stream whose upload never finishes is reset at the request deadline;
 * - one address cannot hold every connection; another still gets answers;
 * - `:method` never becomes a metric label value (series count constant).
 */
import http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerNode, type RunningWorker } from '@edgesteer/worker/node';
import { TEST_PROBE_KEYS, testPolicy } from '@edgesteer/worker/testing';

let w: RunningWorker;
beforeAll(async () => {
  w = await startWorkerNode({ policy: testPolicy(), keys: TEST_PROBE_KEYS, port: 0, http: { headersTimeoutMs: 800, requestTimeoutMs: 800, maxPerSource: 20 } });
});
afterAll(async () => {
  await w?.close();
});

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frame = (type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)) => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
};
/** HPACK: POST http://x/dns-query with content-type application/dns-message, never-indexed literals only. */
const literal = (index: number, value: string) => {
  const v = Buffer.from(value);
  const name = index < 15 ? Buffer.from([index]) : Buffer.from([0x0f, index - 15]);
  return Buffer.concat([name, Buffer.from([v.length]), v]);
};
const UPLOAD_HEADERS = Buffer.concat([Buffer.from([0x83, 0x86]), literal(1, '127.0.0.1'), literal(4, '/dns-query'), literal(31, 'application/dns-message')]);

interface FrameLog {
  settings: Map<number, number>;
  rst: Map<number, number>;
  goaway?: { lastStream: number; code: number };
}

/** Opens a raw h2c connection; records the server's SETTINGS, RST_STREAMs and GOAWAY. */
function rawH2(port: number): Promise<{ socket: Socket; log: FrameLog; ready: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const log: FrameLog = { settings: new Map(), rst: new Map() };
    let buf = Buffer.alloc(0);
    let gotSettings: () => void;
    const ready = new Promise<void>((r) => (gotSettings = r));
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(Buffer.concat([PREFACE, frame(0x4, 0, 0)]));
      resolve({ socket, log, ready });
    });
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const [type, flags] = [buf[3]!, buf[4]!];
        const stream = buf.readUInt32BE(5) & 0x7fffffff;
        const p = buf.subarray(9, 9 + len);
        if (type === 0x4 && !(flags & 1)) {
          for (let i = 0; i + 6 <= p.length; i += 6) log.settings.set(p.readUInt16BE(i), p.readUInt32BE(i + 2));
          socket.write(frame(0x4, 1, 0));
          gotSettings();
        } else if (type === 0x3) log.rst.set(stream, p.readUInt32BE(0));
        else if (type === 0x7) log.goaway = { lastStream: p.readUInt32BE(0) & 0x7fffffff, code: p.readUInt32BE(4) };
        buf = buf.subarray(9 + len);
      }
    });
  });
}

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe('h2c limits', () => {
  it('advertises at most 100 concurrent streams and refuses the rest from a client that ignores it', async () => {
    const { socket, log, ready } = await rawH2(w.port);
    await ready;
    expect(log.settings.get(0x3), 'SETTINGS_MAX_CONCURRENT_STREAMS').toBe(100);
    // 150 uploads that never send a body (END_HEADERS, no END_STREAM).
    socket.write(Buffer.concat(Array.from({ length: 150 }, (_, i) => frame(0x1, 0x4, 1 + 2 * i, UPLOAD_HEADERS))));
    // nghttp2 refuses streams past the limit (REFUSED_STREAM) or ends the connection (GOAWAY PROTOCOL_ERROR).
    const refused = () => [...log.rst.entries()].filter(([id, code]) => id > 199 && code === 0x7).length;
    await until(() => refused() >= 50 || log.goaway !== undefined, 3000);
    socket.destroy();
    if (log.goaway) expect(log.goaway.lastStream).toBeLessThanOrEqual(199);
    else expect(refused()).toBe(50);
  });

  it('resets a stream whose upload is still open at the request deadline', async () => {
    const { socket, log, ready } = await rawH2(w.port);
    await ready;
    const t0 = Date.now();
    socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(0x1, 0x4, 1 + 2 * i, UPLOAD_HEADERS))));
    // One body byte now and then: trickling does not extend the deadline (800 ms here).
    const trickle = setInterval(() => {
      for (let i = 0; i < 10; i++) if (!log.rst.has(1 + 2 * i)) socket.write(frame(0x0, 0, 1 + 2 * i, Buffer.from([0])));
    }, 100);
    const allReset = await until(() => log.rst.size >= 10, 4000);
    clearInterval(trickle);
    socket.destroy();
    expect(allReset, `reset ${log.rst.size}/10 streams`).toBe(true);
    expect([...log.rst.values()].every((c) => c === 0x8), 'CANCEL').toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });
});

describe('client aborts', () => {
  it('300 uploads reset mid-body are not logged as internal errors (no stacks), and the Worker keeps answering', async () => {
    const lines: Array<{ level: string; fields: Record<string, unknown> }> = [];
    const logger = {
      info: (fields: Record<string, unknown>) => lines.push({ level: 'info', fields }),
      warn: (fields: Record<string, unknown>) => lines.push({ level: 'warn', fields }),
      error: (fields: Record<string, unknown>) => lines.push({ level: 'error', fields }),
    };
    const quiet = await startWorkerNode({ policy: testPolicy(), keys: TEST_PROBE_KEYS, port: 0, logger: logger as never });
    try {
      for (let round = 0; round < 3; round++) {
        const { socket, log, ready } = await rawH2(quiet.port);
        await ready;
        const ids = Array.from({ length: 100 }, (_, i) => 1 + 2 * i);
        // The handler is reading each body when its stream is reset.
        socket.write(Buffer.concat(ids.flatMap((id) => [frame(0x1, 0x4, id, UPLOAD_HEADERS), frame(0x0, 0, id, Buffer.from([0, 1, 2]))])));
        await new Promise((r) => setTimeout(r, 100));
        socket.write(Buffer.concat(ids.map((id) => frame(0x3, 0, id, Buffer.from([0, 0, 0, 0x8])))));
        await new Promise((r) => setTimeout(r, 200));
        expect(log.goaway, 'the connection itself stays healthy').toBeUndefined();
        socket.destroy();
      }
      await new Promise((r) => setTimeout(r, 300));
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors.map((l) => l.fields['event'])).toEqual([]);
      expect(JSON.stringify(lines)).not.toContain('stack');
      expect((await fetch(`http://127.0.0.1:${quiet.port}/healthz`)).status).toBe(200);
    } finally {
      await quiet.close();
    }
  });
});

describe('connections per source', () => {
  it('one address cannot take every connection: past its limit it is refused while another address is served', async () => {
    const hogs: Socket[] = [];
    // 60 idle-but-open connections from 127.0.0.2 that send one header byte each (busy, never finishing).
    for (let i = 0; i < 60; i++) {
      const s = connect({ host: '127.0.0.1', port: w.port, localAddress: '127.0.0.2' });
      s.on('error', () => {});
      s.on('connect', () => s.write('G'));
      hogs.push(s);
    }
    await until(() => hogs.filter((s) => s.destroyed).length >= 40, 3000);
    const open = hogs.filter((s) => !s.destroyed).length;
    expect(open, 'connections 127.0.0.2 kept').toBeLessThanOrEqual(20);
    const res = await fetch(`http://127.0.0.1:${w.port}/healthz`);
    expect(res.status).toBe(200);
    for (const s of hogs) s.destroy();
  });
});

describe('metric labels', () => {
  it('random HTTP/2 methods do not add series', async () => {
    const series = async () => (await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text()).split('\n').filter((l) => l.startsWith('edgesteer_worker_http_requests_total{'));
    const send = (session: http2.ClientHttp2Session, method: string) =>
      new Promise<void>((resolve) => {
        const req = session.request({ ':method': method, ':path': '/healthz' });
        req.on('response', () => undefined);
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.resume();
        req.end();
      });
    const session = http2.connect(`http://127.0.0.1:${w.port}`);
    await send(session, 'WARMUP');
    await series(); // the scrape itself is a GET /metrics series
    const before = (await series()).length;
    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => send(session, `M${Math.random().toString(36).slice(2, 10).toUpperCase()}${i + j}`)));
    const after = await series();
    session.close();
    expect(after.length, after.join('\n')).toBe(before);
    expect(after.some((l) => l.includes('method="other"'))).toBe(true);
  });
});
