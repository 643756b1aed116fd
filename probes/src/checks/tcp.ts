/** TCP connect check: the edge accepts connections on the port. */
import { connect, type Socket } from 'node:net';
import type { CheckTarget } from './target.js';
import type { CheckContext, CheckOutcome } from './outcome.js';
import type { CheckTiming } from './timing.js';

/** Destroys `socket` when the check's deadline fires. */
export function closeOnAbort(socket: Socket, signal: AbortSignal): void {
  if (signal.aborted) {
    socket.destroy();
    return;
  }
  const onAbort = () => socket.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', onAbort));
}

/**
 * Resolves with `socket` once it is ready (`connect` for TCP, `secureConnect`
 * for TLS), recording lookup and connect times; rejects on its first error.
 * The socket closes at the check's deadline.
 */
export function whenConnected<S extends Socket>(socket: S, ready: 'connect' | 'secureConnect', ctx: CheckContext, timing: CheckTiming): Promise<S> {
  return new Promise((resolve, reject) => {
    closeOnAbort(socket, ctx.signal);
    socket.once('lookup', (err) => {
      if (!err) timing.lookedUpAt = performance.now();
    });
    socket.once(ready, () => {
      timing.connectedAt ??= performance.now();
      resolve(socket);
    });
    // Kept for the socket's life: a later error must never be unhandled (it would crash the agent).
    socket.on('error', reject);
  });
}

/** Opens a TCP connection. */
export function openTcp(target: CheckTarget, ctx: CheckContext, timing: CheckTiming): Promise<Socket> {
  const socket = connect({ host: target.address, port: target.port, noDelay: true, ...(ctx.lookup ? { lookup: ctx.lookup } : {}) });
  return whenConnected(socket, 'connect', ctx, timing);
}

export async function tcpCheck(target: CheckTarget, ctx: CheckContext, timing: CheckTiming): Promise<CheckOutcome> {
  const socket = await openTcp(target, ctx, timing);
  socket.destroy();
  return { ok: true, detail: `connected to port ${target.port}` };
}
