import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { boundedSse, encodeSseEvent, type SseSink } from './bounded-sse.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

function app(maxQueue: number) {
  const sinks: SseSink[] = [];
  let drops = 0;
  let closes = 0;
  const a = new Hono();
  a.get('/s', (c) =>
    boundedSse(
      c,
      (sink) => {
        sinks.push(sink);
        return () => undefined;
      },
      { maxQueue, heartbeatMs: 60_000, onDrop: () => drops++, onClose: () => closes++ },
    ),
  );
  return { a, sinks, drops: () => drops, closes: () => closes };
}

describe('boundedSse', () => {
  it('encodes events once, as the wire format says', () => {
    expect(new TextDecoder().decode(encodeSseEvent({ event: 'view', id: 'x1', data: 'a\nb' }))).toBe('event: view\nid: x1\ndata: a\ndata: b\n\n');
    expect(() => encodeSseEvent({ event: 'a\nb', data: '' })).toThrow(/line breaks/);
  });

  it('delivers queued events in order to a client that reads', async () => {
    const h = app(8);
    const res = await h.a.request('/s');
    const reader = res.body!.getReader();
    await tick();
    h.sinks[0]!.send({ event: 'n', data: '1' });
    h.sinks[0]!.send(encodeSseEvent({ event: 'n', data: '2' }));
    let text = '';
    while (!text.includes('data: 2')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^retry: 1000\n\n[^]*event: n\ndata: 1\n\n[^]*event: n\ndata: 2\n\n/);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await reader.cancel();
    await tick();
    expect(h.closes()).toBe(1);
    expect(h.drops()).toBe(0);
  });

  it('drops a client that does not read once its queue passes the limit, and counts it', async () => {
    const h = app(4);
    const res = await h.a.request('/s'); // body never read
    await tick();
    const sink = h.sinks[0]!;
    // A handful fit (one in the writer, the queue's 4); the next one drops the client.
    for (let i = 0; i < 20; i++) sink.send({ event: 'n', data: String(i).repeat(1000) });
    await tick();
    expect(h.drops()).toBe(1);
    expect(h.closes()).toBe(1);
    // Sending to a dropped client is a no-op, never a second drop.
    sink.send({ data: 'late' });
    expect(h.drops()).toBe(1);
    await res.body?.cancel().catch(() => undefined);
  });
});
