/**
 * Fans dashboard updates out to every open /v1/events stream. Renders once
 * per update (not once per client) and coalesces bursts: many reports in the
 * same instant produce one frame.
 */
import type { Controller } from '../controller.js';
import type { SseSink } from '../sse.js';
import { renderSections, type Sections } from './sections.js';

/** One SSE frame of the dashboard. */
export interface DashboardView {
  now: number;
  version: number;
  hash: string;
  sections: Sections;
}

export class DashboardHub {
  private readonly clients = new Set<SseSink>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly controller: Controller,
    /** Frames are at most this often. Default 50 ms. */
    private readonly coalesceMs = 50,
  ) {
    this.unsubscribe = controller.onUpdate(() => this.schedule());
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client and sends it the current view at once. Returns the removal function. */
  add(sink: SseSink): () => void {
    this.clients.add(sink);
    sink.send({ event: 'view', data: JSON.stringify(this.view()) });
    return () => this.clients.delete(sink);
  }

  /** The current view (also used for the first paint). */
  view(): DashboardView {
    const t = this.controller.table;
    return { now: this.controller.clock(), version: t.version, hash: t.hash, sections: renderSections(this.controller) };
  }

  close(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    for (const c of [...this.clients]) c.close();
    this.clients.clear();
  }

  private schedule(): void {
    if (this.clients.size === 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.clients.size === 0) return;
      const data = JSON.stringify(this.view());
      for (const c of this.clients) c.send({ event: 'view', data });
    }, this.coalesceMs);
    this.timer.unref();
  }
}
