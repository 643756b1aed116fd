/**
 * The HTTP part shared by http and https checks: one GET over a socket we
 * opened ourselves (so connect and first byte are timed apart), status
 * against the expected set, an optional body substring within the first
 * 64 KiB, and same-origin redirects only when the edge asks for them.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Check } from '@edgesteer/policy';
import type { CheckTarget } from './target.js';
import type { CheckContext, CheckOutcome } from './outcome.js';
import type { CheckTiming } from './timing.js';
import { clip } from './reason.js';

/** Most body bytes read while looking for `bodyContains`. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most redirects followed when `followRedirects` is on. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Sends one GET on an open socket; resolves at the response head. */
function exchange(socket: Socket, path: string, hostHeader: string, ctx: CheckContext, timing: CheckTiming): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let firstByte: number | undefined;
    // The first byte on the wire, not the parsed head: a server that dribbles its
    // head still counts from its first byte.
    socket.once('data', () => {
      firstByte = performance.now();
    });
    const req = request({
      createConnection: () => socket,
      method: 'GET',
      path,
      setHost: false,
      headers: { ...ctx.headers, host: hostHeader, accept: '*/*', connection: 'close' },
    });
    req.once('response', (res) => {
      timing.firstByteAt = firstByte ?? performance.now();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads the body until `needle` shows up, the body ends, or `limit` bytes were read. */
function bodyContains(res: IncomingMessage, needle: Buffer, limit: number): Promise<{ found: boolean; bytes: number; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    let done = false;
    const finish = (found: boolean, truncated: boolean) => {
      if (done) return;
      done = true;
      res.removeAllListeners('data');
      resolve({ found, bytes: acc.length, truncated });
    };
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      const from = Math.max(0, acc.length - needle.length + 1);
      acc = Buffer.concat([acc, chunk.subarray(0, limit - acc.length)]);
      if (acc.indexOf(needle, from) >= 0) finish(true, false);
      else if (acc.length >= limit) finish(false, true);
    });
    res.once('end', () => finish(acc.indexOf(needle) >= 0, false));
    res.on('error', (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
  });
}

/**
 * Runs the HTTP exchange, following redirects if the edge allows it. Every
 * hop opens a fresh connection to the same target (`Connection: close`): a
 * check measures a new client's experience, not a warm keep-alive.
 */
export async function httpExchangeCheck(
  scheme: 'http' | 'https',
  target: CheckTarget,
  check: Check,
  ctx: CheckContext,
  timing: CheckTiming,
  open: () => Promise<Socket>,
): Promise<CheckOutcome> {
  let base: URL;
  try {
    base = new URL(`${scheme}://${target.hostHeader}${target.path}`);
  } catch {
    return { ok: false, reason: 'other', detail: clip(`cannot form a URL from host "${target.hostHeader}" and path "${target.path}"`) };
  }
  let path = target.path;
  for (let hop = 0; ; hop++) {
    const socket = await open();
    try {
      const res = await exchange(socket, path, target.hostHeader, ctx, timing);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (check.followRedirects && REDIRECT_STATUSES.has(status) && location) {
        if (hop >= MAX_REDIRECTS) return { ok: false, reason: 'status', detail: `more than ${MAX_REDIRECTS} redirects (last: HTTP ${status} to ${clip(location, 120)})` };
        let next: URL;
        try {
          next = new URL(location, new URL(path, base));
        } catch {
          return { ok: false, reason: 'status', detail: clip(`HTTP ${status} with an unparsable Location "${location}"`) };
        }
        if (next.origin !== base.origin) {
          return { ok: false, reason: 'status', detail: clip(`HTTP ${status} redirect to ${next.origin} not followed: only same-host redirects are`) };
        }
        path = `${next.pathname}${next.search}`;
        continue;
      }
      if (!check.expectStatus.includes(status)) {
        return { ok: false, reason: 'status', detail: `HTTP ${status}, expected ${check.expectStatus.join('|')}` };
      }
      if (check.bodyContains !== undefined) {
        const body = await bodyContains(res, Buffer.from(check.bodyContains, 'utf8'), MAX_BODY_BYTES);
        if (!body.found) {
          const where = body.truncated ? `the first ${MAX_BODY_BYTES} bytes` : `the body (${body.bytes} bytes)`;
          return { ok: false, reason: 'body', detail: clip(`HTTP ${status}: ${JSON.stringify(check.bodyContains.slice(0, 60))} not found in ${where}`) };
        }
      }
      return { ok: true, detail: `HTTP ${status}` };
    } finally {
      socket.destroy();
    }
  }
}
