/** HTML escaping and small formatters for the server-rendered dashboard. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESC[ch] ?? ch);
}

/** `12.3 ms` below 10 ms, `123 ms` above; `—` when unknown. */
export function fmtRtt(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** `4s`, `3m 12s`, `2h 05m`, `3d 4h`: compact ages for on-call screens. */
export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `HH:MM:SS` in UTC (the page script rewrites it in the viewer's zone). */
export function fmtClock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/**
 * Heat-map colour for an RTT: green (fast) through amber to red (slow), on a
 * log scale from 1 ms to 300 ms so both loopback and intercontinental RTTs
 * spread over the range.
 */
export function heatColor(ms: number): string {
  const lo = Math.log(1);
  const hi = Math.log(300);
  const t = Math.min(1, Math.max(0, (Math.log(Math.max(ms, 0.01)) - lo) / (hi - lo)));
  const hue = Math.round(140 * (1 - t));
  return `hsl(${hue} 65% 28%)`;
}
