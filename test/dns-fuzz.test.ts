/**
 * 10,000 random and malformed packets against a running `edgesteer dns`
 * (UDP, and some over TCP): the process must stay up, every response it
 * sends must be a well-formed DNS response, and it must still answer a normal
 * dig query correctly afterwards.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { dig } from './support/dns-dig.js';
import { startDnsProcess, type DnsProcess } from './support/dns-process.js';
import { decodeIndependent } from '@edgesteer/dns-server/testing';

const POLICY = new URL('./fixtures/dns-policy.yaml', import.meta.url).pathname;

let seed = 0xc0ffee;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => rnd(256));
const u16 = (v: number) => [v >> 8, v & 0xff];
const header = (counts: number[], flags = 0) => [...u16(rnd(65536)), ...u16(flags), ...counts.flatMap(u16)];
const QNAME = [3, 0x63, 0x64, 0x6e, 7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 3, 0x63, 0x6f, 0x6d, 0];
const VALID = [
  encodeQuery({ id: 1, name: 'cdn.example.com', type: TYPE.A, edns: { ecs: ecsFromCidr('10.2.3.0/24') } }),
  encodeQuery({ id: 2, name: 'example.com', type: TYPE.NS }),
  encodeQuery({ id: 3, name: 'big.example.com', type: TYPE.A, edns: { udpSize: 512 } }),
  encodeQuery({ id: 4, name: 'nope.example.com', type: TYPE.AAAA }),
];

/** One packet of a kind chosen by i. */
function packet(i: number): Uint8Array {
  switch (i % 10) {
    case 0: // random bytes
      return randomBytes(rnd(600));
    case 1: // truncated header / truncated valid query
      return VALID[rnd(VALID.length)]!.slice(0, rnd(30));
    case 2: // compression loop in the question (self, forward, mutual)
      return new Uint8Array([...header([1, 0, 0, 0]), ...[[0xc0, 12], [0xc0, 14, 1, 0x61, 0], [1, 0x61, 0xc0, 16, 0xc0, 12]][rnd(3)]!, 0, 1, 0, 1]);
    case 3: // bad label lengths: reserved types, past the end
      return new Uint8Array([...header([1, 0, 0, 0]), 0x40 + rnd(0x80), ...randomBytes(rnd(10)), 0, 0, 1, 0, 1]);
    case 4: // huge counts with a valid question
      return new Uint8Array([...header([rnd(2) ? 0xffff : 1, rnd(0x10000), rnd(0x10000), 0xffff]), ...QNAME, 0, 1, 0, 1]);
    case 5: // random opcode / QR set / random flags
      return new Uint8Array([...header([1, 0, 0, 0], rnd(65536)), ...QNAME, 0, 1, 0, 1]);
    case 6: // broken OPT / ECS
      return new Uint8Array([...header([1, 0, 0, 1]), ...QNAME, 0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, rnd(3), 0, 0, ...u16(8), 0, 8, 0, 4, ...randomBytes(4)]);
    case 7: // a label longer than the packet
      return new Uint8Array([...header([1, 0, 0, 0]), 63, ...randomBytes(rnd(60))]);
    default: {
      // mutated valid queries: 1-4 random byte changes
      const m = VALID[rnd(VALID.length)]!.slice();
      for (let k = 0, n = 1 + rnd(4); k < n; k++) m[rnd(m.length)] = rnd(256);
      return m;
    }
  }
}

function checkResponse(buf: Uint8Array, problems: string[]): void {
  try {
    const res = decodeIndependent(buf);
    if (!res.flags.qr) problems.push('response without QR');
    if (res.flags.ra) problems.push('response with RA');
  } catch (err) {
    problems.push(`undecodable response: ${(err as Error).message}`);
  }
}

// Both UDP paths: the batched recvmmsg/sendmmsg addon (built by npm test) and node:dgram.
describe.each(['batched', 'dgram'] as const)('fuzzing the running server (--udp %s)', (udpPath) => {
  let dns: DnsProcess;
  beforeAll(async () => {
    dns = await startDnsProcess(['--policy', POLICY, '--listen', '127.0.0.1:0', '--udp', udpPath]);
  });
  afterAll(async () => {
    await dns?.stop();
  });

  it('survives 10,000 random and malformed packets over UDP and TCP, then answers correctly', async () => {
    const problems: string[] = [];
    let responses = 0;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.on('message', (msg) => {
      responses++;
      checkResponse(msg, problems);
    });
    const UDP = 9_000;
    for (let i = 0; i < UDP; i += 100) {
      for (let j = i; j < i + 100; j++) sock.send(packet(j), dns.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 2)); // bursts of 100: stay within socket buffers
    }

    // TCP: 10 connections × 100 pipelined frames, plus garbage streams.
    const TCP_CONNS = 10;
    const perConn = 100;
    let tcpResponses = 0;
    await Promise.all(
      Array.from({ length: TCP_CONNS }, (_, c) =>
        new Promise<void>((resolve) => {
          const s = net.connect(dns.port, '127.0.0.1');
          let buf = Buffer.alloc(0);
          s.on('data', (d) => {
            buf = Buffer.concat([buf, d]);
            while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
              const len = buf.readUInt16BE(0);
              checkResponse(buf.subarray(2, 2 + len), problems);
              tcpResponses++;
              buf = buf.subarray(2 + len);
            }
          });
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          const frames: Buffer[] = [];
          for (let k = 0; k < perConn; k++) {
            const p = packet(c * perConn + k);
            if (p.length === 0) continue; // a zero-length frame closes the connection (tested separately)
            frames.push(Buffer.from([...u16(p.length)]), Buffer.from(p));
          }
          s.end(Buffer.concat(frames));
        }),
      ),
    );
    // Garbage streams: random bytes as framing, a frame cut in the middle.
    for (const bytes of [randomBytes(3000), Buffer.from([0x01, 0x00, 1, 2, 3])]) {
      await new Promise<void>((resolve) => {
        const s = net.connect(dns.port, '127.0.0.1', () => s.end(Buffer.from(bytes)));
        s.on('data', () => {});
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    sock.close();

    expect(problems.slice(0, 5)).toEqual([]);
    expect(dns.proc.exitCode).toBeNull();
    expect(responses).toBeGreaterThan(UDP / 3); // most kinds get FORMERR/NOTIMP/answers; runts and responses are dropped
    expect(tcpResponses).toBeGreaterThan(TCP_CONNS * perConn / 3);
    expect(dns.logs.filter((l) => l.level >= 50)).toEqual([]);

    const r = await dig('127.0.0.1', dns.port, ['cdn.example.com', 'A', '+subnet=10.2.3.0/24', '+norec']);
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual(['cdn.example.com. 30 IN A 127.0.0.12']);
    expect(r.clientSubnet).toBe('10.2.3.0/24/16');
    const t = await dig('127.0.0.1', dns.port, ['cdn.example.com', 'AAAA', '+tcp', '+norec']);
    expect(t.answer).toEqual(['cdn.example.com. 30 IN AAAA fd00::11']);
  });
});
