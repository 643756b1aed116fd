/**
 * Dashboard stream clients that never read must not grow the controller's
 * memory. A real controller process streams dashboard updates (a watched
 * plane whose /healthz changes every 500 ms, so a frame goes out every
 * poll) to 300 TCP clients that send the request and never read a byte.
 * Their queues fill, they are dropped and counted, and replaced by new
 * non-reading clients (as a misbehaving client or an attacker would
 * reconnect), so 300 are connected throughout; the controller's RSS (from
 * /proc) stays within ±20 MiB of where it was once all were connected. A
 * reading client keeps getting frames throughout.
 *
 * SSE_SOAK_SECONDS sets the measured window (default 10 s here; the 60 s
 * figure in the README comes from SSE_SOAK_SECONDS=60).
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, sleep, startCli, type Proc } from './support/processes.js';
import { EXAMPLE_POLICY } from './support/run-stack.js';

const CLIENTS = 300;
const SOAK_S = Number(process.env['SSE_SOAK_SECONDS'] ?? 10);
const MiB = 1024 * 1024;

let controller: Proc;
let plane: Server;
let port: number;
const sockets: Socket[] = [];

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('dashboard streams to clients that never read', () => {
  beforeAll(async () => {
    // A plane whose table changes on every poll: each poll is a dashboard frame (~10 KB of planes, STATUS and banner HTML, twice a second: about what a dashboard with busy probes sends).
    let n = 0;
    plane = createServer((_req, res) => {
      n++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ plane: 'dns', status: `degraded-${n}-${'x'.repeat(2500)}`, table: { version: n, hash: `${n}`.padStart(64, '0'), generatedAt: Date.now() } }));
    });
    await new Promise<void>((r) => plane.listen(0, '127.0.0.1', r));
    const planeUrl = `http://127.0.0.1:${(plane.address() as { port: number }).port}`;
    port = await freePort();
    controller = startCli(['controller', '--policy', EXAMPLE_POLICY, '--listen', `127.0.0.1:${port}`, '--no-state', '--no-route53', '--plane', planeUrl, '--plane-poll-ms', '500', '--sse-max-queue', '32'], { EDGESTEER_PROBE_KEYS: `probe-us-east us-east ${'ab'.repeat(32)}` });
    await controller.waitFor(/controller_listening/, 20_000);
  }, 30_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await controller?.stop('SIGTERM');
    plane?.close();
  });

  it(`stays within ±20 MiB with ${CLIENTS} non-reading clients`, async () => {
    const pid = controller.child.pid!;
    // The controller caps connections per source address (64): the clients come from 10 loopback addresses,
    // as 300 viewers would come from many hosts; 127.0.0.1 stays free for the reader and the scrapes.
    let opened = 0;
    const open_ = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${1 + (opened++ % 10)}` }, () => {
          s.write(`GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
          s.pause(); // never read: the kernel buffers fill, then the controller's writes block
          resolve(s);
        });
        s.on('error', () => undefined);
        s.once('error', reject);
      });
    for (let i = 0; i < CLIENTS; i++) sockets.push(await open_());

    // One client that does read, to show the stream keeps flowing for it.
    const reader = await fetch(`http://127.0.0.1:${port}/v1/events`);
    const body = reader.body!.getReader();
    let readFrames = 0;
    const reading = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const r = await body.read().catch(() => ({ done: true, value: undefined }));
        if (r.done) return;
        readFrames += (dec.decode(r.value).match(/^event: view$/gm) ?? []).length;
      }
    })();

    const gauge = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    const OPEN = /^edgesteer_controller_stream_clients\{stream="dashboard"\} (\d+)/m;
    const DROPPED = /^edgesteer_controller_stream_clients_dropped_total\{stream="dashboard"\} (\d+)/m;
    /** Replaces as many clients as the controller dropped, oldest first (they connected first, so their queues filled first). */
    let replaced = 0;
    const topUp = async () => {
      const dropped = gauge(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), DROPPED);
      for (; replaced < dropped; replaced++) {
        sockets.shift()?.destroy();
        sockets.push(await open_());
      }
    };
    // Warm-up: every client gets its first frames, and V8 touches the heap pages it reserved at start
    // (RSS rises ~15 MiB in the first seconds with heapTotal unchanged); flatness is measured after that.
    await sleep(10_000);
    await topUp();
    const samples: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < SOAK_S * 1000) {
      await sleep(1000);
      await topUp();
      samples.push(rssOf(pid));
      if (process.env['SSE_SOAK_DEBUG']) {
        const m = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const g = (n: string) => (gauge(m, new RegExp(`^${n} (\\S+)`, 'm')) / MiB).toFixed(1);
        console.log(`rss ${(samples.at(-1)! / MiB).toFixed(1)} heapUsed ${g('edgesteer_nodejs_heap_size_used_bytes')} heapTotal ${g('edgesteer_nodejs_heap_size_total_bytes')} external ${g('edgesteer_nodejs_external_memory_bytes')} dropped ${replaced}`);
      }
    }
    // One RSS reading moves by several MiB with each GC: the baseline is the median of the first five seconds.
    const base = [...samples.slice(0, 5)].sort((a, b) => a - b)[2]!;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const dropped = Number(/^edgesteer_controller_stream_clients_dropped_total\{stream="dashboard"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    const openNow = gauge(metrics, OPEN);
    const max = Math.max(...samples);
    const min = Math.min(...samples);
    console.log(
      `[sse-slow-clients] ${CLIENTS} non-reading clients, ${SOAK_S} s: RSS ${(base / MiB).toFixed(1)} MiB at start (median of the first 5 s), min ${(min / MiB).toFixed(1)}, max ${(max / MiB).toFixed(1)}, end ${(samples.at(-1)! / MiB).toFixed(1)} MiB; ${dropped} dropped (and replaced: ${replaced}), ${openNow} streams open at the end; the reading client got ${readFrames} frames`,
    );
    expect(max - base).toBeLessThan(20 * MiB);
    expect(base - min).toBeLessThan(20 * MiB);
    // Frames kept flowing to the client that reads (dropping slow clients is asserted in bounded-sse.test.ts;
    // here the kernel's socket buffers take about a minute to fill, after which clients are dropped and replaced).
    expect(readFrames).toBeGreaterThan(SOAK_S);
    await body.cancel();
    await reading;
  }, 120_000);
});
