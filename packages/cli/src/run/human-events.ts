/**
 * What `edgesteer run` prints to the terminal while it runs: one human line
 * per failover and per recovery, read from the controller's JSON log (the
 * verdict flip and the answers it moved, which the controller logs in the
 * same decision cycle). Everything else stays in the log files.
 */

interface LogLine {
  event?: string;
  time?: number;
  edge?: string;
  to?: string;
  reason?: string;
  service?: string;
  region?: string;
  from?: string[];
  // `to` is a verdict word on verdict_changed and an answer list on answer_changed.
  mode?: string;
}

interface Pending {
  at: number;
  edges: Array<{ edge: string; to: string; reason: string }>;
  moves: string[];
  timer: NodeJS.Timeout;
}

const clock = (at: number) => new Date(at).toTimeString().slice(0, 8);

/** Turns controller log lines into terminal lines (see module doc). */
export class HumanEvents {
  private pending: Pending | undefined;
  private buffer = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    /** How long answer changes are collected after a verdict flip. */
    private readonly gatherMs = 150,
  ) {}

  /** Feeds raw stdout bytes of the controller. */
  write(chunk: Buffer | string): void {
    this.buffer += chunk.toString();
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 1);
      this.line(line);
    }
    if (this.buffer.length > 1 << 20) this.buffer = '';
  }

  /** Prints what is pending now. */
  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    const downs = p.edges.filter((e) => e.to === 'down');
    const ups = p.edges.filter((e) => e.to === 'up');
    const parts: string[] = [];
    if (downs.length) parts.push(`FAILOVER  ${downs.map((e) => `${e.edge} down (${short(e.reason)})`).join('; ')}`);
    if (ups.length) parts.push(`RECOVERY  ${ups.map((e) => `${e.edge} up again`).join('; ')}`);
    const moves = p.moves.length ? ` → ${p.moves.join(', ')}` : ' (no answer moved)';
    this.out.write(`edgesteer: ${clock(p.at)} ${parts.join(' · ')}${moves}\n`);
  }

  private line(text: string): void {
    if (!text.startsWith('{')) return;
    let l: LogLine;
    try {
      l = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    if (l.event === 'verdict_changed' && l.edge && (l.to === 'down' || l.to === 'up')) {
      if (!this.pending) this.pending = { at: l.time ?? Date.now(), edges: [], moves: [], timer: setTimeout(() => this.flush(), this.gatherMs) };
      this.pending.edges.push({ edge: l.edge, to: l.to, reason: l.reason ?? '' });
    } else if (l.event === 'answer_changed' && this.pending) {
      const to = (l as unknown as { to?: string[] }).to ?? [];
      this.pending.moves.push(`${l.service} in ${l.region}: ${(l.from ?? []).join(',') || '-'} → ${to.join(',') || '-'}`);
    }
  }
}

/** The gist of core's verdict reason: "2/3 fresh regions say down" without the rest. */
function short(reason: string): string {
  const m = /(\d+)\/(\d+) fresh regions say down/.exec(reason);
  return m ? `${m[1]} of ${m[2]} regions see it failing` : reason.replace(/^down:\s*/, '');
}
