/**
 * A short RTT history per (probe region, edge) for the dashboard's
 * sparklines: one point per bucket (the last estimate seen in it), over a
 * fixed window. Bounded: window / bucket points per link, links from the
 * policy only.
 */
import type { DecisionState } from '@edgesteer/core';

export interface RttPoint {
  at: number;
  /** undefined when the link was down in that bucket. */
  rttMs: number | undefined;
}

export class RttHistory {
  private readonly series = new Map<string, RttPoint[]>();
  private readonly max: number;

  constructor(
    /** Width of the window. Default 15 minutes. */
    readonly windowMs = 15 * 60_000,
    /** One point per bucket. Default 10 s. */
    readonly bucketMs = 10_000,
  ) {
    this.max = Math.ceil(windowMs / bucketMs) + 1;
  }

  /** Records every link's current estimate (call after each decision cycle). */
  record(state: DecisionState, now: number): void {
    const bucket = Math.floor(now / this.bucketMs) * this.bucketMs;
    for (const [key, link] of Object.entries(state.links)) {
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = []));
      const point = { at: bucket, rttMs: link.up ? link.rttMs : undefined };
      const last = s[s.length - 1];
      if (last && last.at === bucket) s[s.length - 1] = point;
      else s.push(point);
      while (s.length > this.max || (s.length > 0 && s[0]!.at < now - this.windowMs)) s.shift();
    }
  }

  /** Points of one link, oldest first. */
  points(region: string, edge: string): readonly RttPoint[] {
    return this.series.get(`${region}|${edge}`) ?? [];
  }

  /** Forgets links no longer in the policy. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of this.series.keys()) if (!keys.has(k)) this.series.delete(k);
  }
}

/**
 * An inline SVG sparkline of `points` over the window ending at `now`: a line
 * for measured RTT (log scale, 1–300 ms), red ticks where the link was down.
 */
export function sparklineSvg(points: readonly RttPoint[], now: number, windowMs: number, width = 110, height = 22): string {
  if (points.length === 0) return '';
  const x = (at: number) => Math.max(0, Math.min(width, ((at - (now - windowMs)) / windowMs) * width));
  const y = (ms: number) => {
    const t = Math.min(1, Math.max(0, Math.log(Math.max(ms, 1)) / Math.log(300)));
    return height - 2 - t * (height - 4);
  };
  const lines: string[] = [];
  let run: string[] = [];
  const downs: string[] = [];
  for (const p of points) {
    if (p.rttMs === undefined) {
      if (run.length) lines.push(run.join(' '));
      run = [];
      downs.push(`<line x1="${x(p.at).toFixed(1)}" x2="${x(p.at).toFixed(1)}" y1="2" y2="${height - 2}" class="spark-down"/>`);
    } else run.push(`${x(p.at).toFixed(1)},${y(p.rttMs).toFixed(1)}`);
  }
  if (run.length) lines.push(run.join(' '));
  const polys = lines.map((pts) => (pts.includes(' ') ? `<polyline points="${pts}" class="spark-line"/>` : `<circle cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}" r="1.5" class="spark-dot"/>`));
  return `<svg class="spark" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="RTT over the last ${Math.round(windowMs / 60_000)} minutes" role="img">${downs.join('')}${polys.join('')}</svg>`;
}
