/** Small HTTP helpers for the chaos tests: JSON GETs and Prometheus text sums. */

/** GET url → parsed JSON (throws on non-2xx other than a /healthz 503, whose body is the health document, or after timeoutMs). */
export async function getJson<T = Record<string, unknown>>(url: string, timeoutMs = 3000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok && !(res.status === 503 && url.includes('/healthz'))) throw new Error(`GET ${url} → ${res.status}`);
  return (await res.json()) as T;
}

/** GET url → text. */
export async function getText(url: string, timeoutMs = 3000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return res.text();
}

/**
 * Sum of the samples of metric `name` whose labels include every pair of
 * `labels` (Prometheus text format). 0 when there is none.
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[kv[1]!] = kv[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}
