/**
 * Helpers for this package's tests (not exported from the index): a policy,
 * a logger that records its lines, and small DNS clients.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Writable } from 'node:stream';
import { encodeQuery, ecsFromCidr, type DecodedMessage } from '@edgesteer/dns-wire';
import { PolicySchema, type Policy } from '@edgesteer/policy';
import { pino, type Logger } from 'pino';
import { decodeIndependent } from './independent-decoder.js';

const check = { type: 'http' as const, port: 80 };

/** A small valid policy: zone example.com, regions us-east (default) and eu-west, service cdn. */
export function testPolicy(ttl = 30): Policy {
  return PolicySchema.parse({
    version: 1,
    owner: 'dns-server-test',
    zones: [{ name: 'example.com', soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com' }, nameservers: [{ name: 'ns1.example.com', ipv4: ['127.0.0.53'] }] }],
    regions: [
      { id: 'us-east', aws: 'us-east-1', clientCidrs: ['10.1.0.0/16'], default: true },
      { id: 'eu-west', aws: 'eu-west-1', clientCidrs: ['10.2.0.0/16'] },
    ],
    edges: [
      { id: 'use1', region: 'us-east', ipv4: ['127.0.0.11'], check },
      { id: 'euw1', region: 'eu-west', ipv4: ['127.0.0.12'], check },
    ],
    services: [{ id: 'cdn', name: 'cdn.example.com', types: ['A'], edges: ['use1', 'euw1'], answers: 1, ttl }],
  });
}

export interface CapturedLogger {
  log: Logger;
  lines: Array<Record<string, unknown> & { msg: string; level: number }>;
}

/** A pino logger whose JSON lines are kept in memory. */
export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as CapturedLogger['lines'][number]);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Waits until `pred` holds (polling), or fails after `ms`. */
export async function eventually(pred: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One UDP query → decoded response (or throws on timeout). */
export async function udpQuery(port: number, name: string, type = 1, ecs?: string): Promise<DecodedMessage> {
  const sock = dgram.createSocket('udp4');
  const q = encodeQuery({ id: 77, name, type, ...(ecs ? { edns: { ecs: ecsFromCidr(ecs) } } : {}) });
  try {
    return await new Promise<DecodedMessage>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('UDP query timed out')), 2000);
      sock.on('message', (m) => {
        clearTimeout(t);
        resolve(decodeIndependent(m));
      });
      sock.send(q, port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

/** A TCP connection that collects length-prefixed responses. */
export function tcpClient(port: number): { sock: net.Socket; responses: DecodedMessage[]; closed: Promise<void>; send: (m: Uint8Array | Buffer) => void } {
  const sock = net.connect(port, '127.0.0.1');
  const responses: DecodedMessage[] = [];
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      responses.push(decodeIndependent(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
  });
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  return { sock, responses, closed, send: (m) => sock.write(m) };
}

/** A query framed for TCP. */
export function framed(name: string, id: number, type = 1): Buffer {
  const q = encodeQuery({ id, name, type });
  const out = Buffer.alloc(2 + q.length);
  out.writeUInt16BE(q.length, 0);
  out.set(q, 2);
  return out;
}
