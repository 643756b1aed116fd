/**
 * Fans dashboard updates out to every open /v1/events stream. Renders once
 * per update (not once per client), coalesces bursts (many reports in the
 * same instant produce one frame), and sends only the sections whose content
 * changed: a new client gets the whole view once, then deltas. Ages on the
 * page tick in the browser, so a second passing changes nothing on the wire.
 */
import type { Controller } from '../controller.js';
import { encodeSseEvent, type SseSink } from '../bounded-sse.js';
import type { PlaneWatch } from '../plane-watch.js';
import { RttHistory } from './rtt-history.js';
import { renderSections, type DashboardSources, type Sections } from './sections.js';

/** One SSE frame of the dashboard: `full` replaces the page's sections, otherwise only those present change. */
export interface DashboardView {
  now: number;
  version: number;
  hash: string;
  full: boolean;
  sections: Partial<Sections>;
}

/** Section HTML without the server-rendered age text, which the page script keeps current itself. */
function stable(html: string): string {
  return html.replace(/(<span class="age" data-since="\d+">)[^<]*<\/span>/g, '$1</span>');
}

export class DashboardHub {
  private readonly clients = new Set<SseSink>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  /** What every connected client has (stable form), to compute the next delta. */
  private last: Record<string, string> | undefined;
  private _frames = 0;
  /** The last full view, encoded (shared by newcomers until the next change). */
  private full: { at: number; bytes: Uint8Array } | undefined;
  /** 15 minutes of RTT per link, for the sparklines. */
  readonly history = new RttHistory();
  private readonly sources: DashboardSources;

  constructor(
    private readonly controller: Controller,
    private readonly planes?: PlaneWatch,
    /** Frames are at most this often. Default 50 ms. */
    private readonly coalesceMs = 50,
  ) {
    this.sources = { planes, history: this.history };
    this.history.record(controller.state, controller.clock());
    this.unsubscribe.push(
      controller.onUpdate(() => {
        this.history.record(controller.state, controller.clock());
        this.schedule();
      }),
    );
    if (planes) this.unsubscribe.push(planes.onChange(() => this.schedule()));
  }

  get size(): number {
    return this.clients.size;
  }

  /** Delta frames broadcast so far. */
  get frames(): number {
    return this._frames;
  }

  /** Adds a client and sends it the whole current view at once. Returns the removal function. */
  add(sink: SseSink): () => void {
    // One render is the newcomer's full view and the others' next delta, so every client shares one baseline.
    // Newcomers arriving together (a reconnect storm) share one encoded full view while nothing changed.
    const now = this.controller.clock();
    if (!this.full || now - this.full.at > 1000 || this.clients.size === 0) {
      const sections = renderSections(this.controller, this.sources);
      this.broadcastChanges(sections);
      this.full = { at: now, bytes: encodeSseEvent({ event: 'view', data: JSON.stringify(this.frame(sections, true)) }) };
    }
    this.clients.add(sink);
    sink.send(this.full.bytes);
    return () => this.clients.delete(sink);
  }

  /** Every section as of now (the page's first paint; connected clients are not affected). */
  sections(): Sections {
    return renderSections(this.controller, this.sources);
  }

  /** The current full view, as a newcomer's first frame. */
  view(): DashboardView {
    return this.frame(this.sections(), true);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    if (this.timer) clearTimeout(this.timer);
    for (const c of [...this.clients]) c.close();
    this.clients.clear();
  }

  private schedule(): void {
    if (this.clients.size === 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.coalesceMs);
    this.timer.unref();
  }

  /** Sends the sections that changed since the last frame, if any. */
  private flush(): void {
    if (this.clients.size === 0) {
      this.last = undefined;
      return;
    }
    this.broadcastChanges(renderSections(this.controller, this.sources));
  }

  private broadcastChanges(sections: Sections): void {
    const changed: Partial<Sections> = {};
    let any = false;
    for (const [k, html] of Object.entries(sections) as Array<[keyof Sections, string]>) {
      const s = stable(html);
      if (this.last?.[k] === s) continue;
      changed[k] = html;
      any = true;
      (this.last ??= {})[k] = s;
    }
    if (!any) return;
    this.full = undefined;
    if (this.clients.size === 0) return;
    // Encoded once for every client: queues share this one buffer.
    const bytes = encodeSseEvent({ event: 'view', data: JSON.stringify(this.frame(changed, false)) });
    this._frames++;
    for (const c of this.clients) c.send(bytes);
  }

  private frame(sections: Partial<Sections>, full: boolean): DashboardView {
    const t = this.controller.table;
    return { now: this.controller.clock(), version: t.version, hash: t.hash, full, sections };
  }
}
