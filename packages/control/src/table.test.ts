import { describe, expect, it } from 'vitest';
import type { RoutingTable } from '@edgesteer/core';
import { harness } from './testing/harness.js';
import { sseReader } from './testing/sse-reader.js';

describe('GET /v1/table', () => {
  it('serves the table with ETag = hash and answers 304 to a matching If-None-Match', async () => {
    const h = harness();
    const res = await h.app.request('/v1/table');
    expect(res.status).toBe(200);
    const table = (await res.json()) as RoutingTable;
    expect(table.hash).toBe(h.controller.table.hash);
    expect(res.headers.get('etag')).toBe(`"${table.hash}"`);
    expect(res.headers.get('x-edgesteer-table-version')).toBe(String(table.version));
    expect(Object.keys(table.services)).toEqual(['cdn']);

    for (const inm of [`"${table.hash}"`, `W/"${table.hash}"`, table.hash, `"other", "${table.hash}"`, '*']) {
      const again = await h.app.request('/v1/table', { headers: { 'if-none-match': inm } });
      expect(again.status, inm).toBe(304);
      expect(again.headers.get('etag')).toBe(`"${table.hash}"`);
      expect(await again.text()).toBe('');
    }
    const stale = await h.app.request('/v1/table', { headers: { 'if-none-match': '"not-the-hash"' } });
    expect(stale.status).toBe(200);
    h.close();
  });

  it('long-poll: holds until the table changes, then returns the new table', async () => {
    const h = harness();
    const old = h.controller.table.hash;
    const pending = Promise.resolve(h.app.request('/v1/table?wait=1', { headers: { 'if-none-match': `"${old}"` } }));
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false); // still held: nothing changed
    await h.round([], ['us-east']); // RTTs arrive: new table
    const res = await pending;
    expect(res.status).toBe(200);
    const table = (await res.json()) as RoutingTable;
    expect(table.hash).not.toBe(old);
    expect(table.hash).toBe(h.controller.table.hash);
    expect(res.headers.get('etag')).toBe(`"${table.hash}"`);
    h.close();
  });

  it('long-poll: answers 304 when nothing changes within the hold time', async () => {
    const h = harness({ app: { longPollMs: 40 } });
    const hash = h.controller.table.hash;
    const res = await h.app.request('/v1/table?wait=1', { headers: { 'if-none-match': `"${hash}"` } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(`"${hash}"`);
    h.close();
  });

  it('long-poll with an outdated ETag returns at once', async () => {
    const h = harness();
    const res = await h.app.request('/v1/table?wait=1', { headers: { 'if-none-match': '"outdated"' } });
    expect(res.status).toBe(200);
    h.close();
  });
});

describe('GET /v1/table/stream', () => {
  it('sends the current table, then one event per new table', async () => {
    const h = harness();
    const res = await h.app.request('/v1/table/stream');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = sseReader(res.body!);
    const first = await sse.next();
    expect(first.event).toBe('table');
    expect(first.id).toBe(h.controller.table.hash);
    expect((JSON.parse(first.data) as RoutingTable).hash).toBe(h.controller.table.hash);

    await h.round([], ['us-east']);
    const second = await sse.next();
    const t2 = JSON.parse(second.data) as RoutingTable;
    expect(t2.hash).toBe(h.controller.table.hash);
    expect(t2.hash).not.toBe(first.id);
    expect(t2.version).toBeGreaterThan((JSON.parse(first.data) as RoutingTable).version);
    await sse.close();
    h.close();
  });

  it('skips the current table for a client that already has it (Last-Event-ID)', async () => {
    const h = harness();
    const res = await h.app.request('/v1/table/stream', { headers: { 'last-event-id': h.controller.table.hash } });
    const sse = sseReader(res.body!);
    await h.round([], ['us-east']);
    const ev = await sse.next();
    expect(ev.id).toBe(h.controller.table.hash);
    await sse.close();
    h.close();
  });
});
