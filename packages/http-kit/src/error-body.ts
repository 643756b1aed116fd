/**
 * The JSON body of every edgesteer HTTP error (controller and Worker alike):
 * `{ "ok": false, "error": { "code", "message", ... } }`, so clients, logs and
 * alerts filter on one stable `code` whichever plane answered.
 */

/** JSON body of an error response; `C` narrows the codes a component may use. */
export interface ErrorBody<C extends string = string> {
  ok: false;
  error: { code: C; message: string } & Record<string, unknown>;
}

/** Builds an error body; `extra` adds fields such as `reason` or `problems` next to code and message. */
export function errorBody<C extends string>(code: C, message: string, extra: Record<string, unknown> = {}): ErrorBody<C> {
  return { ok: false, error: { code, message, ...extra } };
}
