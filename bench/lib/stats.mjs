/** Small statistics helpers (inputs are plain arrays of numbers). */

/** Nearest-rank percentile of an ascending-sorted array; NaN when empty. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function max(values) {
  const s = values.filter(Number.isFinite);
  return s.length ? Math.max(...s) : NaN;
}
