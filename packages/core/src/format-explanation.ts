/** Human rendering of an Explanation (for `edgesteer explain`). */
import type { Explanation } from './explain.js';

/**
 * Renders an explanation as a few header lines and one line per edge:
 *
 *     cdn (cdn.example.com) for clients in eu-west at 2025-01-01T00:00:00.000Z
 *     latency steering, mode ranked: answer euw1 (RTT 12.3 ms)
 *
 *       #  edge  region   verdict  drain  rtt      why
 *       1  euw1  eu-west  up       -      12.3 ms  fastest: RTT 12.3 ms; answered
 */
export function formatExplanation(x: Explanation): string {
  const lines: string[] = [];
  lines.push(`${x.service} (${x.name}) for clients in ${x.region} at ${new Date(x.at).toISOString()}`);
  const answer = x.answer.length > 0 ? x.answer.join(', ') : '(empty: NODATA)';
  lines.push(`${x.steering} steering, mode ${x.mode}: answer ${answer}${x.rttMs !== undefined ? ` (RTT ${round(x.rttMs)} ms)` : ''}`);
  if (x.mode !== 'ranked') lines.push(x.summary);
  const notes = x.hysteresisNotes ?? (x.hysteresis ? [x.hysteresis] : []);
  for (const n of notes) if (n.why) lines.push(`hysteresis: ${n.why}`);
  lines.push('');
  const rows: string[][] = [['#', 'edge', 'region', 'verdict', 'drain', 'rtt', 'why']];
  for (const e of x.edges) {
    rows.push([
      e.position === null ? '-' : String(e.position),
      e.edge,
      e.region,
      e.up ? 'up' : 'down',
      e.drained ? 'yes' : '-',
      e.rttMs === undefined ? '-' : `${round(e.rttMs)} ms`,
      e.reason,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) {
    lines.push(
      '  ' +
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
          .join('  ')
          .trimEnd(),
    );
  }
  lines.push('', 'verdicts (across regions):', ...x.edges.map((e) => `  ${e.edge}: ${e.verdict}`));
  return lines.join('\n') + '\n';
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
