/**
 * The `method` label of HTTP metrics from a closed set. A client picks the
 * method string (HTTP/2 `:method` is any token), so using it verbatim lets
 * one client create a series per request and grow /metrics without bound.
 */
export const HTTP_METHOD_LABELS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'other'] as const;
export type HttpMethodLabel = (typeof HTTP_METHOD_LABELS)[number];

const KNOWN: ReadonlySet<string> = new Set(HTTP_METHOD_LABELS);

/** `method` when it is a standard method (exact, upper case), else `other`. */
export function methodLabel(method: string): HttpMethodLabel {
  return KNOWN.has(method) && method !== 'other' ? (method as HttpMethodLabel) : 'other';
}
