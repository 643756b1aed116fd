/**
 * Replay results as text (what `edgesteer replay` prints): per policy every
 * answer change with its time, each outage with the time to fail over and
 * back, the rates; then, for two or more policies, one table side by side.
 * Deterministic: times are printed as UTC and as an offset from the first
 * decision, numbers with fixed decimals.
 */
import type { ReplayResult } from './replay.js';

/** One replayed policy with the label to print (e.g. its file name). */
export interface LabelledReplay {
  label: string;
  result: ReplayResult;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const secs = (ms: number) => (ms / 1000).toFixed(1);
/** `+m:ss` (or `+h:mm:ss`) from the start. */
export function offset(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `+${h}:${String(m).padStart(2, '0')}:${ss}` : `+${m}:${ss}`;
}
const list = (a: readonly string[]) => (a.length ? a.join(',') : '-');

/** The per-policy section. */
export function renderReplay({ label, result: r }: LabelledReplay): string {
  const out: string[] = [];
  if (r.decisions === 0) return `== ${label}: no observations to replay\n`;
  out.push(`== ${label} (policy ${r.policyHash.slice(0, 12)})`);
  out.push(
    `replayed ${iso(r.start)} .. ${iso(r.end)} (${secs(r.end - r.start + r.tickMs)} s, a decision every ${secs(r.tickMs)} s), ${r.observations.accepted} observations used, ${r.observations.ignored} ignored`,
  );
  out.push(`answer changes: ${r.changes.length} (${r.changesPerMinute.toFixed(2)}/min)`);
  for (const c of r.changes) out.push(`  ${iso(c.at)} ${offset(c.at - r.start).padStart(8)}  ${c.service} ${c.region}: ${list(c.from)} -> ${list(c.to)}${c.mode === 'ranked' ? '' : ` (${c.mode})`}`);
  out.push(`outages (edge judged down): ${r.outages.length}`);
  for (const o of r.outages) {
    const back = o.upAt === undefined ? 'still down at the end' : `back at ${offset(o.upAt - r.start)}, ${o.okStart === undefined ? '?' : secs(o.upAt - o.okStart)} s after it answered again`;
    out.push(`  ${o.edge}: down at ${offset(o.downAt - r.start)}, ${secs(o.downAt - o.failStart)} s after its first failed check; ${back}`);
  }
  out.push(`answered a dead edge: ${secs(r.deadAnswerMs)} s (${secs(r.deadAnswerRouteMs)} route-seconds over all services and regions)`);
  return out.join('\n') + '\n';
}

/** `median / max` in seconds of a list of durations, `-` when empty. */
function spread(ms: number[]): string {
  if (ms.length === 0) return '-';
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `${secs(mid)} / ${secs(s[s.length - 1]!)}`;
}

/** Every policy's section, then a side-by-side table when there are two or more. */
export function renderReplays(results: readonly LabelledReplay[]): string {
  let text = results.map(renderReplay).join('\n');
  if (results.length < 2) return text;
  const rows: Array<[string, ...string[]]> = [
    ['answer changes', ...results.map((x) => String(x.result.changes.length))],
    ['changes/min', ...results.map((x) => x.result.changesPerMinute.toFixed(2))],
    ['outages', ...results.map((x) => String(x.result.outages.length))],
    ['fail over, median / max (s)', ...results.map((x) => spread(x.result.outages.map((o) => o.downAt - o.failStart)))],
    ['fail back, median / max (s)', ...results.map((x) => spread(x.result.outages.flatMap((o) => (o.upAt === undefined || o.okStart === undefined ? [] : [o.upAt - o.okStart]))))],
    ['dead-edge answers (s)', ...results.map((x) => secs(x.result.deadAnswerMs))],
    ['dead-edge route-seconds', ...results.map((x) => secs(x.result.deadAnswerRouteMs))],
  ];
  const header: [string, ...string[]] = ['', ...results.map((x) => x.label)];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  text += '\n== side by side\n' + all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
  return text;
}
