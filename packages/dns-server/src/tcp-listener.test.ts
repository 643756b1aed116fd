import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from './index.js';
import { captureLogger, eventually, framed, tcpClient, testPolicy } from './test-support.js';

let server: DnsServer;

beforeAll(async () => {
  server = await startDnsServer({ policy: testPolicy(), port: 0, tcpIdleMs: 300, maxTcpConnections: 3, logger: captureLogger().log });
});
afterAll(async () => {
  await server?.close();
});

describe('DNS over TCP', () => {
  it('answers several pipelined queries from one write, in order', async () => {
    const c = tcpClient(server.port);
    c.send(Buffer.concat([framed('cdn.example.com', 1), framed('nope.example.com', 2), framed('example.com', 3, 6)]));
    await eventually(() => c.responses.length === 3, 3000, 'three responses');
    expect(c.responses.map((r) => [r.id, r.rcode, r.answers.length])).toEqual([[1, 0, 1], [2, 3, 0], [3, 0, 1]]);
    c.sock.destroy();
  });

  it('reassembles a query split across writes, and keeps the connection for the next one', async () => {
    const c = tcpClient(server.port);
    const f = framed('cdn.example.com', 9);
    for (const part of [f.subarray(0, 1), f.subarray(1, 7), f.subarray(7)]) {
      c.send(part);
      await new Promise((r) => setTimeout(r, 10));
    }
    await eventually(() => c.responses.length === 1, 3000, 'the response');
    c.send(framed('cdn.example.com', 10));
    await eventually(() => c.responses.length === 2, 3000, 'the second response');
    expect(c.responses.map((r) => r.id)).toEqual([9, 10]);
    c.sock.destroy();
  });

  it('answers malformed messages FORMERR and keeps going', async () => {
    const c = tcpClient(server.port);
    c.send(Buffer.concat([Buffer.from([0, 14, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]), framed('cdn.example.com', 11)]));
    await eventually(() => c.responses.length === 2, 3000, 'two responses');
    expect(c.responses.map((r) => [r.id, r.rcode])).toEqual([[5, 1], [11, 0]]);
    c.sock.destroy();
  });

  it('closes a connection on a zero-length frame', async () => {
    const c = tcpClient(server.port);
    c.send(Buffer.from([0, 0]));
    await c.closed;
    expect(c.responses).toEqual([]);
  });

  it('closes idle connections', async () => {
    const c = tcpClient(server.port);
    c.send(framed('cdn.example.com', 12));
    await c.closed; // idle timeout 300 ms
    expect(c.responses.map((r) => r.id)).toEqual([12]);
  });

  it('when full of idle connections, closes the longest-idle one for a newcomer', async () => {
    const open = [tcpClient(server.port), tcpClient(server.port), tcpClient(server.port)];
    for (const [i, c] of open.entries()) {
      c.send(framed('cdn.example.com', 20 + i));
      await eventually(() => c.responses.length === 1, 3000, `connection ${i} answered`);
    }
    const extra = tcpClient(server.port);
    extra.send(framed('cdn.example.com', 23));
    await eventually(() => extra.responses.length === 1, 3000, 'the newcomer answered');
    await open[0]!.closed;
    for (const c of [...open, extra]) c.sock.destroy();
    await eventually(() => server.metrics().tcpConnections.open === 0, 3000, 'connections closed');
  });

  it('when full of connections inside a message, refuses a newcomer', async () => {
    const before = server.metrics().tcpConnections.rejected;
    const open = [tcpClient(server.port), tcpClient(server.port), tcpClient(server.port)];
    for (const c of open) c.send(framed('cdn.example.com', 30).subarray(0, 5));
    await new Promise((r) => setTimeout(r, 50));
    const extra = tcpClient(server.port);
    extra.send(framed('cdn.example.com', 31));
    await extra.closed;
    expect(extra.responses).toEqual([]);
    expect(server.metrics().tcpConnections.rejected).toBe(before + 1);
    for (const c of open) c.sock.destroy();
    await eventually(() => server.metrics().tcpConnections.open === 0, 3000, 'connections closed');
  });

  it('closes a connection whose message does not arrive whole within the deadline, however it trickles', async () => {
    const c = tcpClient(server.port);
    const f = framed('cdn.example.com', 40);
    const t0 = Date.now();
    let i = 0;
    const drip = setInterval(() => i < f.length - 1 && !c.sock.destroyed && c.send(f.subarray(i, ++i)), 100);
    await c.closed;
    clearInterval(drip);
    expect(c.responses).toEqual([]);
    // 500 ms deadline from the first byte; a byte every 100 ms would otherwise keep it alive (idle timeout 300 ms).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
