/**
 * DNS fuzzing against a running `edgesteer dns`: 50,000 random and mutated
 * packets in CI (1,000,000 with `npm run soak`) over UDP, and a share over
 * TCP (pipelined frames, broken framing). The process must stay up, never
 * hit an exception in the answer path (errors_total stays 0), send only
 * well-formed responses (QR=1, RA=0), keep its resident memory flat, and
 * still answer correctly afterwards.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { chaosLine, scale } from '../chaos/support/report.js';
import { getJson, getText, metricSum } from '../chaos/support/http.js';
import { killAll, sleep, startProc, type ChaosProc } from '../chaos/support/proc.js';
import { EDGE_ADDR, tempDir, writePolicy } from '../chaos/support/stack.js';
import { addressesOf, openUdpDns } from '../chaos/support/udp-dns.js';
import { DnsFuzzer } from './support/dns-mutator.js';
import { decodeIndependent } from '@edgesteer/dns-server/testing';

const TOTAL = scale(50_000, 1_000_000);
const TCP_SHARE = 0.02;
const tmp = tempDir('dns-fuzz');
let dns: ChaosProc;
let port: number;
let metricsUrl: string;

beforeAll(async () => {
  const policyFile = join(tmp.dir, 'policy.json');
  writePolicy(policyFile, { ports: {}, intervalMs: 1000 });
  dns = startProc('dns', ['dns', '--policy', policyFile, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0']);
  const [ready, m] = await Promise.all([dns.waitForLog((l) => l.msg === 'dns server ready', 20_000), dns.waitForLog((l) => l.event === 'metrics_listening', 20_000)]);
  metricsUrl = String(m['url']).replace(/\/metrics$/, '');
  port = Number(ready['port']);
}, 30_000);

afterAll(async () => {
  await dns?.stop();
  killAll();
  tmp.cleanup();
});

interface Tally {
  responses: number;
  decoded: number;
  bad: string[];
}

/** Checks one reply; every reply is decoded with the independent decoder (dns-packet). */
function checkResponse(buf: Uint8Array, t: Tally): void {
  t.responses++;
  if (buf.length < 12) return void t.bad.push(`response of ${buf.length} bytes`);
  if ((buf[2]! & 0x80) === 0) t.bad.push('response without QR');
  if ((buf[3]! & 0x80) !== 0) t.bad.push('response with RA (recursion offered)');
  try {
    decodeIndependent(buf);
    t.decoded++;
  } catch (err) {
    t.bad.push(`undecodable response: ${(err as Error).message}`);
  }
}

async function fuzzUdp(fuzzer: DnsFuzzer, count: number, t: Tally): Promise<void> {
  const socks = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.setRecvBufferSize(4 * 1024 * 1024);
      s.on('message', (m) => checkResponse(m, t));
      s.on('error', () => {});
      return s;
    }),
  );
  try {
    const BATCH = 128;
    for (let sent = 0; sent < count; ) {
      const n = Math.min(BATCH, count - sent);
      await Promise.all(
        Array.from({ length: n }, (_, k) => new Promise<void>((r) => socks[k % socks.length]!.send(fuzzer.packet(), port, '127.0.0.1', () => r()))),
      );
      sent += n;
      // Pace to what one server process drains, so the kernel buffer does not drop the fuzz on the floor.
      await new Promise((r) => setImmediate(r));
      if (sent % 2048 < BATCH) await sleep(2);
    }
    await sleep(300);
  } finally {
    for (const s of socks) s.close();
  }
}

async function fuzzTcp(fuzzer: DnsFuzzer, count: number, t: Tally): Promise<number> {
  const conns = Math.max(1, Math.ceil(count / 50));
  let closedByServer = 0;
  await Promise.all(
    Array.from({ length: conns }, (_, c) =>
      new Promise<void>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        let buf = Buffer.alloc(0);
        sock.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            checkResponse(buf.subarray(2, 2 + buf.readUInt16BE(0)), t);
            buf = buf.subarray(2 + buf.readUInt16BE(0));
          }
        });
        sock.on('error', () => {});
        sock.on('close', () => {
          closedByServer++;
          resolve();
        });
        sock.on('connect', () => {
          const frames: Buffer[] = [];
          for (let i = 0; i < 50; i++) {
            const p = Buffer.from(fuzzer.packet());
            const len = Buffer.alloc(2);
            len.writeUInt16BE(Math.min(p.length, 65535));
            frames.push(len, p);
          }
          // Some connections end with broken framing: a length longer than what follows, or a zero-length frame.
          if (c % 4 === 1) frames.push(Buffer.from([0x40, 0x00, 1, 2, 3]));
          if (c % 4 === 2) frames.push(Buffer.from([0, 0]));
          sock.write(Buffer.concat(frames));
          setTimeout(() => sock.end(), 300);
        });
        setTimeout(() => sock.destroy(), 5000);
      }),
    ),
  );
  return conns;
}

describe('DNS fuzzing', () => {
  it(`survives ${TOTAL.toLocaleString('en')} random and mutated packets over UDP and TCP with flat memory`, async () => {
    const fuzzer = new DnsFuzzer(0x5eed);
    const t: Tally = { responses: 0, decoded: 0, bad: [] };
    const started = Date.now();
    // Warm up (JIT, buffers, caches) before the memory baseline.
    await fuzzUdp(fuzzer, 5000, t);
    const rssBefore = dns.rssMb();
    const udpCount = Math.floor(TOTAL * (1 - TCP_SHARE)) - 5000;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(dns.rssMb()), 500);
    await fuzzUdp(fuzzer, udpCount, t);
    const tcpConns = await fuzzTcp(fuzzer, Math.floor(TOTAL * TCP_SHARE), t);
    clearInterval(sampler);
    await sleep(500);
    const rssAfter = dns.rssMb();
    const seconds = (Date.now() - started) / 1000;

    // Still alive, still right.
    expect(dns.alive()).toBe(true);
    const client = await openUdpDns(port);
    const res = await client.query(encodeQuery({ name: 'cdn.example.com', type: TYPE.A }));
    await client.close();
    const metrics = await getText(`${metricsUrl}/metrics`);
    const received = metricSum(metrics, 'edgesteer_dns_queries_total');
    const errors = metricSum(metrics, 'edgesteer_dns_errors_total');
    const health = await getJson<{ ok: boolean }>(`${metricsUrl}/healthz`);

    chaosLine(`DNS fuzz: ${TOTAL.toLocaleString('en')} random/mutated packets (UDP + ${tcpConns} TCP connections)`, 'no crash, no exception in the answer path, only well-formed responses, RSS growth < 30 MB', {
      rssMb: { before: rssBefore, after: rssAfter },
      extra: [
        `received ${received}`,
        `responses ${t.responses}, decoded with dns-packet ${t.decoded} (${t.decoded}/${t.responses})`,
        `malformed responses ${t.bad.length}`,
        `answer-path errors ${errors}`,
        `peak RSS ${Math.max(rssAfter, ...samples).toFixed(1)} MB`,
        `${Math.round(TOTAL / seconds)} packets/s`,
      ],
    });
    expect(t.bad.slice(0, 5)).toEqual([]);
    expect(errors).toBe(0);
    expect(health.ok).toBe(true);
    expect(res && addressesOf(res)).toEqual([EDGE_ADDR['use1']]);
    expect(received).toBeGreaterThan(TOTAL * 0.9);
    expect(t.responses).toBeGreaterThan(TOTAL * 0.3);
    // Every reply was decoded (not a sample); an undecodable one is in t.bad.
    expect(t.decoded + t.bad.filter((b) => b.startsWith('undecodable')).length).toBe(t.responses);
    expect(rssAfter - rssBefore).toBeLessThan(30);
  }, scale(90_000, 900_000));
});
