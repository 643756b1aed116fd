/**
 * HTTP routes of the what-if tools (`edgesteer timeline export`, `policy
 * plan --controller`, the dashboard's last-change panel):
 *
 * GET /v1/timeline/export?since=2h   the logged observations as JSON lines
 *                                    (`edgesteer replay` input), oldest first;
 *                                    since = duration (90s, 15m, 2h, 1d) back from
 *                                    the controller's clock, default everything kept
 * (GET /v1/state, in app.ts, carries the policy and the decision state that
 * `edgesteer policy plan --controller` reads.)
 * GET /v1/policy/last-change         the last applied policy change and its plan
 *                                    (answers before -> after, clients moved, Route53
 *                                    changes, warnings) computed when it was applied;
 *                                    { change: null } before any
 * GET /whatif                        the same as a small HTML page, with an export link
 */
import type { Hono } from 'hono';
import type { Policy } from '@edgesteer/policy';
import { errorBody } from '@edgesteer/http-kit';
import { planPolicyChange, type PolicyPlan } from '@edgesteer/whatif';
import type { Controller } from './controller.js';
import { parseDuration, type ObservationLog } from './observation-log.js';
import { renderWhatifPage } from './whatif-page.js';

/** A policy change the controller applied, with what it did to traffic. */
export interface PolicyChangeRecord {
  at: number;
  policyHashBefore: string;
  policyHashAfter: string;
  plan: PolicyPlan | null;
  /** Why there is no plan (it failed to compute), if so. */
  error?: string;
}

/** Adds the timeline routes to the controller's app. Without a log they answer 404 with E_TIMELINE_OFF. */
export function registerTimelineRoutes(app: Hono, controller: Controller, log: ObservationLog | undefined): void {
  // The last policy change and its plan, from the observations of the moment it was applied.
  let lastPolicy: Policy = controller.policy;
  let lastState = controller.state;
  let lastChange: PolicyChangeRecord | null = null;
  controller.onUpdate((what) => {
    if (what !== 'reload') {
      lastState = controller.state;
      return;
    }
    const next = controller.policy;
    if (next === lastPolicy) return;
    const at = controller.clock();
    try {
      const plan = planPolicyChange({ current: lastPolicy, next, state: lastState, now: at });
      lastChange = { at, policyHashBefore: plan.policyHashBefore, policyHashAfter: plan.policyHashAfter, plan };
    } catch (err) {
      lastChange = { at, policyHashBefore: '', policyHashAfter: controller.table.policyHash, plan: null, error: (err as Error).message };
    }
    lastPolicy = next;
    lastState = controller.state;
  });
  // A fresh headers object per response: the Node adapter writes content-length into the one it is given.
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
  app.get('/v1/policy/last-change', () => json({ change: lastChange }));
  app.get('/whatif', () => new Response(renderWhatifPage(lastChange, log !== undefined), { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } }));

  app.get('/v1/timeline/export', (c) => {
    const headers = () => ({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    if (!log) return new Response(JSON.stringify(errorBody('E_TIMELINE_OFF', 'this controller keeps no observation log (started with --no-state or without one)')), { status: 404, headers: headers() });
    const sinceText = c.req.query('since');
    let since = -Infinity;
    if (sinceText !== undefined && sinceText !== '') {
      const ms = parseDuration(sinceText);
      if (ms === undefined) return new Response(JSON.stringify(errorBody('E_BAD_SINCE', `since=${JSON.stringify(sinceText)} is not a duration; use e.g. 90s, 15m, 2h or 1d`)), { status: 400, headers: headers() });
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
