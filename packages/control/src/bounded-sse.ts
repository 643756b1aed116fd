/**
 * Server-sent events through Hono's `streamSSE`, with a bounded queue per
 * client. Producers call `sink.send()` and never wait; one writer loop per
 * client awaits each write, so a client that stops reading stops the loop
 * (backpressure from the socket through @hono/node-server) and its queue
 * fills. Past `maxQueue` frames the client is dropped (its socket closed)
 * and counted: a client that never reads costs at most `maxQueue` frame
 * references, which producers share across clients, never a copy per frame.
 * A dropped EventSource reconnects and gets a full view again.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';

/** One server-sent event. */
export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

const encoder = new TextEncoder();

/**
 * The wire form of one event. A producer that sends the same event to many
 * clients encodes it once and sends the bytes: every queue then holds a
 * reference to one buffer, not a copy per client.
 */
export function encodeSseEvent(ev: SseEvent): Uint8Array {
  for (const v of [ev.event, ev.id]) if (v !== undefined && /[\r\n]/.test(v)) throw new Error('SSE event and id must not contain line breaks');
  let out = '';
  if (ev.event) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return encoder.encode(`${out}\n`);
}

/** What a producer may send on a stream. */
export interface SseSink {
  /** Queues one event (or its encoded bytes); drops the client instead when its queue is full. No-op after close. */
  send(ev: SseEvent | Uint8Array): void;
  /** Ends the stream. */
  close(): void;
}

export interface BoundedSseOptions {
  /** Frames queued for one client before it is dropped. Default 64. */
  maxQueue?: number;
  /** Comment line sent this often so proxies keep the connection open. Default 15 s. */
  heartbeatMs?: number;
  /** Send the heartbeat as this named event (the page can watch it) instead of a comment. */
  heartbeatEvent?: string;
  /** Client reconnect delay advertised first. Default 1000 ms. */
  retryMs?: number;
  /** Any of these aborting ends the stream (server shutdown). */
  signals?: Array<AbortSignal | undefined>;
  /** Called once when the client is dropped for not reading. */
  onDrop?: () => void;
  /** Called once when the stream opens and once when it ends (for gauges). */
  onOpen?: () => void;
  onClose?: () => void;
}

/** Default per-client queue bound (frames). */
export const DEFAULT_SSE_MAX_QUEUE = 64;

type Item = SSEMessage | Uint8Array | { comment: string };

/**
 * Streams events to one client. `start` gets a sink and returns a cleanup
 * function, called exactly once when the stream ends for any reason.
 */
export function boundedSse(c: Context, start: (sink: SseSink) => (() => void) | void, opts: BoundedSseOptions = {}): Response {
  const maxQueue = opts.maxQueue ?? DEFAULT_SSE_MAX_QUEUE;
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    const queue: Item[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      wake?.();
    };
    const drop = () => {
      if (ended) return;
      opts.onDrop?.();
      end();
      // The writer may be blocked on a client that never reads: abort the stream and close its socket.
      stream.abort();
      (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket?.destroy();
    };
    const push = (item: Item) => {
      if (ended) return;
      if (queue.length >= maxQueue) return drop();
      queue.push(item);
      wake?.();
    };
    stream.onAbort(end);
    const signals = (opts.signals ?? []).filter((s): s is AbortSignal => s !== undefined);
    for (const s of signals) s.addEventListener('abort', end, { once: true });
    opts.onOpen?.();
    const beat = (): Item => (opts.heartbeatEvent ? { event: opts.heartbeatEvent, data: '' } : { comment: 'keep-alive' });
    const heartbeat = setInterval(() => push(beat()), opts.heartbeatMs ?? 15_000);
    heartbeat.unref();
    let cleanup: (() => void) | void = undefined;
    try {
      await stream.write(`retry: ${opts.retryMs ?? 1000}\n\n`);
      if (signals.some((s) => s.aborted)) end();
      cleanup = start({ send: (ev) => push(ev), close: end });
      while (!ended) {
        const item = queue.shift();
        if (!item) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if (item instanceof Uint8Array) await stream.write(item);
        else if ('comment' in item) await stream.write(`: ${item.comment}\n\n`);
        else await stream.writeSSE(item);
        if (stream.aborted) end();
      }
    } finally {
      clearInterval(heartbeat);
      for (const s of signals) s.removeEventListener('abort', end);
      queue.length = 0;
      try {
        cleanup?.();
      } catch {
        // a failing cleanup must not keep the stream open
      }
      opts.onClose?.();
    }
  });
}
