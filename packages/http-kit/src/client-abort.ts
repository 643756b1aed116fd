/**
 * Telling a client that went away from a server failure. A reset HTTP/2
 * stream or a closed connection surfaces as a rejected body read inside a
 * handler; logging it as an internal error with a stack lets any client
 * flood the log (thousands of resets → megabytes of stacks).
 */

const ABORT_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_INVALID_STREAM', 'ABORT_ERR', 'ERR_STREAM_DESTROYED']);

/** True when `err` means the client aborted the request (or `signal`, the request's, says so). */
export function isClientAbort(err: unknown, signal?: { readonly aborted: boolean }): boolean {
  if (signal?.aborted) return true;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (name === 'AbortError') return true;
    if (typeof code === 'string' && ABORT_CODES.has(code)) return true;
    if (typeof message === 'string' && /^(aborted|The operation was aborted)/.test(message)) return true;
  }
  return false;
}
