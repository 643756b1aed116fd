import { describe, expect, it } from 'vitest';
import { readBodyLimited, type RequestLike } from './body.js';
import { errorBody } from './error-body.js';

// Web Request/ReadableStream without DOM typings in this package.
const g = globalThis as unknown as {
  Request: new (url: string, init: { method: string; body?: unknown; headers?: Record<string, string>; duplex?: 'half' }) => RequestLike;
  ReadableStream: new (src: { pull(c: { enqueue(b: Uint8Array): void; close(): void }): void; cancel(): void }) => unknown;
};

/** A streamed body of `chunks` × `size` bytes that records how much was pulled and whether it was cancelled. */
function streamed(chunks: number, size: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new g.ReadableStream({
    pull(c) {
      if (seen.pulled === chunks) return c.close();
      seen.pulled++;
      c.enqueue(new Uint8Array(size).fill(seen.pulled));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { req: new g.Request('http://127.0.0.1/', { method: 'POST', body: stream, duplex: 'half' }), seen };
}

describe('readBodyLimited', () => {
  it.each([
    { name: 'empty body', body: undefined, max: 10, want: { ok: true, bytes: new Uint8Array(0) } },
    { name: 'body at the limit', body: 'abcde', max: 5, want: { ok: true, bytes: new Uint8Array([97, 98, 99, 100, 101]) } },
    { name: 'body one byte over', body: 'abcdef', max: 5, want: { ok: false, size: 6 } },
  ])('$name', async ({ body, max, want }) => {
    const req = new g.Request('http://127.0.0.1/', { method: 'POST', ...(body === undefined ? {} : { body }) });
    expect(await readBodyLimited(req, max)).toEqual(want);
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const req: RequestLike = {
      headers: { get: (n) => (n === 'content-length' ? '1000' : null) },
      body: {
        getReader: () => {
          throw new Error('read');
        },
      },
    };
    expect(await readBodyLimited(req, 999)).toEqual({ ok: false, size: 1000 });
  });

  it('joins a streamed body in order', async () => {
    const { req } = streamed(3, 4);
    const r = await readBodyLimited(req, 12);
    expect(r).toEqual({ ok: true, bytes: new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]) });
  });

  it('stops pulling and cancels the stream once a chunked body passes the limit', async () => {
    const { req, seen } = streamed(100, 1024);
    expect(await readBodyLimited(req, 4096)).toEqual({ ok: false, size: 5 * 1024 });
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThan(100);
  });
});

describe('errorBody', () => {
  it('puts code, message and extra fields under error', () => {
    expect(errorBody('E_X', 'do y', { reason: 'r', problems: [] })).toEqual({ ok: false, error: { code: 'E_X', message: 'do y', reason: 'r', problems: [] } });
    expect(errorBody('E_X', 'do y')).toEqual({ ok: false, error: { code: 'E_X', message: 'do y' } });
  });
});
