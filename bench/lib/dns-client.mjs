/**
 * A tiny UDP DNS client for the failover polls: one socket, one query at a
 * time, bounded wait. Faster and steadier than spawning dig every 50 ms.
 */
import { createSocket } from 'node:dgram';
import { buildQuery, parseResponse } from './dns-packet.mjs';

export function createDnsClient(server = '127.0.0.1', port = 53) {
  const sock = createSocket('udp4');
  let nextId = 1;
  /** @type {Map<number, (buf: Buffer) => void>} */
  const waiting = new Map();
  sock.on('message', (msg) => {
    if (msg.length < 2) return;
    const cb = waiting.get(msg.readUInt16BE(0));
    if (cb) cb(msg);
  });
  sock.on('error', () => {});
  const bound = new Promise((r) => sock.bind({ address: '127.0.0.1', port: 0 }, r));
  return {
    /**
     * Sends one query; resolves with the parsed response or `{ timeout: true }`.
     * @param {{ name: string, type?: 'A'|'AAAA'|'SOA'|'NS', subnet?: string, timeoutMs?: number }} q
     */
    async query({ name, type = 'A', subnet, timeoutMs = 200 }) {
      await bound;
      const id = nextId = (nextId + 1) & 0xffff;
      const pkt = buildQuery({ id, name, type, subnet });
      return new Promise((resolve) => {
        const timer = setTimeout(() => { waiting.delete(id); resolve({ timeout: true, addresses: [], rcode: 'TIMEOUT' }); }, timeoutMs);
        waiting.set(id, (buf) => {
          clearTimeout(timer);
          waiting.delete(id);
          try { resolve(parseResponse(buf)); } catch (e) { resolve({ timeout: false, addresses: [], rcode: 'BADRESPONSE', error: String(e) }); }
        });
        sock.send(pkt, port, server);
      });
    },
    close() { try { sock.close(); } catch { /* closed */ } },
  };
}
