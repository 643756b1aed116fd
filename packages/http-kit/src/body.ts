/**
 * Bounded request body reads for fetch-style handlers (Hono on Node and on
 * workerd). Typed structurally so this package needs neither DOM nor Node
 * typings: a Web `Request` from either runtime fits.
 */

/** The part of a body stream reader used here. */
export interface BodyReaderLike {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(): Promise<void>;
}

/** The part of a Web `Request` used here. */
export interface RequestLike {
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): BodyReaderLike } | null;
}

/** Result of reading a request body under a size limit. */
export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; size: number };

/**
 * Reads a request body, giving up as soon as it exceeds `maxBytes`, so an
 * oversized upload costs at most `maxBytes` of memory. A Content-Length over
 * the limit is refused before reading anything.
 */
export async function readBodyLimited(req: RequestLike, maxBytes: number): Promise<LimitedBody> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, size: declared };
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return { ok: false, size: total };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.byteLength;
  }
  return { ok: true, bytes };
}
