/**
 * Server-sent events over a Web ReadableStream (works with Hono on Node and
 * in tests through app.request()). Each stream ends when the client goes
 * away, when `signals` abort (server shutdown), or when the producer closes it.
 */

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

export interface SseSink {
  send(ev: SseEvent): void;
  close(): void;
}

export interface SseOptions {
  /** Comment line sent this often so proxies keep the connection open. Default 15 s. */
  heartbeatMs?: number;
  /** Client reconnect delay advertised in the first message. Default 1000 ms. */
  retryMs?: number;
  /** Any of these aborting ends the stream (client disconnect, server shutdown). */
  signals?: Array<AbortSignal | undefined>;
}

const encoder = new TextEncoder();

/** Formats one event; multi-line data becomes several data: lines. */
export function formatSse(ev: SseEvent): string {
  let out = '';
  if (ev.event) out += `event: ${ev.event}\n`;
  if (ev.id) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Builds an SSE response. `start` gets a sink and returns a cleanup
 * function, called exactly once when the stream ends for any reason.
 */
export function sseResponse(start: (sink: SseSink) => (() => void) | void, opts: SseOptions = {}): Response {
  let cleanup: (() => void) | void;
  let heartbeat: NodeJS.Timeout | undefined;
  let ended = false;
  const signals = (opts.signals ?? []).filter((s): s is AbortSignal => s !== undefined);

  const end = () => {
    if (ended) return;
    ended = true;
    if (heartbeat) clearInterval(heartbeat);
    for (const s of signals) s.removeEventListener('abort', onAbort);
    try {
      cleanup?.();
    } catch {
      // a failing cleanup must not keep the stream open
    }
  };
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const onAbort = () => {
    end();
    try {
      ctrl.close();
    } catch {
      // already closed or errored
    }
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
      const sink: SseSink = {
        send(ev) {
          if (ended) return;
          try {
            c.enqueue(encoder.encode(formatSse(ev)));
          } catch {
            end();
          }
        },
        close: onAbort,
      };
      c.enqueue(encoder.encode(`retry: ${opts.retryMs ?? 1000}\n\n`));
      if (signals.some((s) => s.aborted)) {
        onAbort();
        return;
      }
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      heartbeat = setInterval(() => {
        try {
          c.enqueue(encoder.encode(': keep-alive\n\n'));
        } catch {
          end();
        }
      }, opts.heartbeatMs ?? 15_000);
      heartbeat.unref();
      cleanup = start(sink);
      if (ended) cleanup?.();
    },
    cancel() {
      end();
    },
  });

  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
