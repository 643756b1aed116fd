/**
 * Readiness checks used by the runner: poll until a component answers, so
 * the banner is printed only once every plane really serves.
 */
import dgram from 'node:dgram';
import type { RoutingTable } from '@edgesteer/core';
import { encodeQuery, TYPE } from '@edgesteer/dns-wire';
import { parseListen } from '@edgesteer/http-kit/node';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Query id of readiness probes, so stray answers are not mistaken for ours. */
const READY_ID = 0x4553;

/** Polls `url` until it answers 2xx, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms (last: ${last})`);
}

/** Sends UDP queries to host:port until one is answered NOERROR, or throws after `timeoutMs`. */
export async function waitForDns(listen: string, name: string, timeoutMs: number): Promise<void> {
  const { host, port } = parseListen(listen);
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const deadline = Date.now() + timeoutMs;
  try {
    const answered = new Promise<void>((resolve) => {
      sock.on('message', (msg) => {
        if (msg.length >= 12 && ((msg[0]! << 8) | msg[1]!) === READY_ID && (msg[3]! & 0x0f) === 0) resolve();
      });
    });
    sock.on('error', () => undefined);
    const q = encodeQuery({ id: READY_ID, name, type: TYPE.A });
    while (Date.now() < deadline) {
      sock.send(q, port, host);
      const ok = await Promise.race([answered.then(() => true), sleep(200).then(() => false)]);
      if (ok) return;
    }
    throw new Error(`DNS server on ${listen} did not answer ${name} within ${timeoutMs} ms`);
  } finally {
    sock.close();
  }
}

/**
 * Waits until the controller's table is built from measurements (every
 * region has at least two results for every edge, so the first re-rank by
 * RTT is behind us), has not changed for `settleMs`, and every watched
 * plane serves that same table: what the banner claims is then what every
 * plane answers. Returns the table; after `timeoutMs` returns the current
 * one anyway (the banner then describes the controller's view).
 */
export async function waitForAgreedTable(controllerUrl: string, timeoutMs: number, settleMs = 2000): Promise<RoutingTable> {
  const deadline = Date.now() + timeoutMs;
  let table: RoutingTable | undefined;
  let sameSince = 0;
  const get = async <T>(path: string) => (await (await fetch(`${controllerUrl}${path}`, { signal: AbortSignal.timeout(1000) })).json()) as T;
  while (true) {
    try {
      const next = await get<RoutingTable>('/v1/table');
      if (next.hash !== table?.hash) sameSince = Date.now();
      table = next;
      const edges = await get<{ edges: Array<{ regions: Record<string, { samples: number } | null> }> }>('/v1/edges');
      const measured = edges.edges.every((e) => Object.values(e.regions).every((l) => l !== null && l.samples >= 2));
      const planes = await get<{ table: { hash: string }; agreement: { agree: number; total: number } }>('/v1/planes');
      if (measured && Date.now() - sameSince >= settleMs && planes.table.hash === table.hash && planes.agreement.agree === planes.agreement.total) return table;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      if (table) return table;
      throw new Error(`${controllerUrl}/v1/table did not answer within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}
