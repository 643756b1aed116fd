/** An in-process controller + app driven with an injected clock (unit tests). */
import type { Report } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { Registry } from 'prom-client';
import { createControllerApp, type ControllerAppDeps } from '../app.js';
import { Controller, type ControllerOptions } from '../controller.js';
import { createControllerMetrics } from '../metrics.js';
import { PROBE_KEYS, report, roundFrom, signed, testPolicy } from './fixtures.js';

/** Fixed start time of test clocks (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000_000;

export interface Harness {
  controller: Controller;
  app: ReturnType<typeof createControllerApp>['app'];
  registry: Registry;
  now(): number;
  advance(ms: number): void;
  /** POSTs a signed report (key override for forgeries). */
  post(r: Report, opts?: { key?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  /** Sends one round of observations from every region (seq auto-incremented), edges in `down` failing. */
  round(down?: readonly string[], regions?: readonly string[]): Promise<void>;
  close(): void;
}

export function harness(opts: { policy?: Policy; controller?: Partial<ControllerOptions>; app?: Partial<ControllerAppDeps> } = {}): Harness {
  let now = T0;
  const registry = new Registry();
  const controller = new Controller({ policy: opts.policy ?? testPolicy(), clock: () => now, metrics: createControllerMetrics(registry), ...opts.controller });
  const http = createControllerApp({ controller, keys: PROBE_KEYS, ...opts.app });
  const seqs = new Map<string, number>();
  const post: Harness['post'] = async (r, o = {}) => {
    const s = await signed(r, now, o.key);
    return http.app.request('/v1/observations', { method: 'POST', headers: { ...s.headers, ...o.headers }, body: o.body ?? s.body });
  };
  return {
    controller,
    app: http.app,
    registry,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    post,
    async round(down = [], regions = ['us-east', 'eu-west', 'ap-south']) {
      for (const region of regions) {
        const seq = (seqs.get(region) ?? 0) + 1;
        seqs.set(region, seq);
        const res = await post(report(region, seq, now, roundFrom(region, now, down)));
        if (res.status !== 200) throw new Error(`round from ${region}: HTTP ${res.status} ${await res.text()}`);
      }
    },
    close: () => http.close(),
  };
}
