/** Reads server-sent events from a response body, one at a time (tests). */
export interface ReadEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseReader {
  /** Next event (comments and retry lines skipped); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ReadEvent>;
  close(): Promise<void>;
}

export function sseReader(body: ReadableStream<Uint8Array>): SseReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const parse = (block: string): ReadEvent | undefined => {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    return data.length ? { event, ...(id !== undefined ? { id } : {}), data: data.join('\n') } : undefined;
  };
  const next = async (): Promise<ReadEvent> => {
    for (;;) {
      const end = buf.indexOf('\n\n');
      if (end >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const ev = parse(block);
        if (ev) return ev;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('SSE stream ended');
      buf += decoder.decode(value, { stream: true });
    }
  };
  return {
    next: (timeoutMs = 5000) =>
      new Promise<ReadEvent>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no SSE event within ${timeoutMs} ms`)), timeoutMs);
        next().then(
          (e) => {
            clearTimeout(t);
            resolve(e);
          },
          (e: unknown) => {
            clearTimeout(t);
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      }),
    close: async () => {
      await reader.cancel().catch(() => {});
    },
  };
}
