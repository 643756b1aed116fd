/**
 * HTTP routes of the durable observation timeline:
 *
 * GET /v1/timeline/export?since=2h   the logged observations as JSON lines
 *                                    (`edgesteer replay` input), oldest first;
 *                                    since = duration (90s, 15m, 2h, 1d) back from
 *                                    the controller's clock, default everything kept
 */
import type { Hono } from 'hono';
import { errorBody } from '@edgesteer/http-kit';
import type { Controller } from './controller.js';
import { parseDuration, type ObservationLog } from './observation-log.js';

/** Adds the timeline routes to the controller's app. Without a log they answer 404 with E_TIMELINE_OFF. */
export function registerTimelineRoutes(app: Hono, controller: Controller, log: ObservationLog | undefined): void {
  app.get('/v1/timeline/export', (c) => {
    const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
    if (!log) return new Response(JSON.stringify(errorBody('E_TIMELINE_OFF', 'this controller keeps no observation log (started with --no-state or without one)')), { status: 404, headers });
    const sinceText = c.req.query('since');
    let since = -Infinity;
    if (sinceText !== undefined && sinceText !== '') {
      const ms = parseDuration(sinceText);
      if (ms === undefined) return new Response(JSON.stringify(errorBody('E_BAD_SINCE', `since=${JSON.stringify(sinceText)} is not a duration; use e.g. 90s, 15m, 2h or 1d`)), { status: 400, headers });
      since = controller.clock() - ms;
    }
    const records = log.read(since);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        // Batches of lines per chunk: one enqueue per record would dominate the cost.
        let text = '';
        for (let i = 0; i < 1000; i++) {
          const r = records.next();
          if (r.done) {
            if (text) ctrl.enqueue(encoder.encode(text));
            ctrl.close();
            return;
          }
          text += JSON.stringify(r.value) + '\n';
        }
        ctrl.enqueue(encoder.encode(text));
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } });
  });
}
