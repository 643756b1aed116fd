/**
 * Prometheus metrics of the controller, plus helpers any long-running
 * edgesteer process can use to expose its own registry at /metrics.
 *
 * Each controller instance registers its series on the registry it is given,
 * so tests can run several controllers in one process without collisions;
 * a real process uses one registry ({@link processRegistry}).
 */
import type { ReportRejectReason } from '@edgesteer/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

let shared: Registry | undefined;

/**
 * The one registry of this process, with Node's default metrics
 * (`edgesteer_process_*`, `edgesteer_nodejs_*`) collected. Created on first use.
 */
export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: 'edgesteer_' });
  }
  return shared;
}

/**
 * A fetch-style handler that renders a registry in Prometheus text format.
 * Mount it on any Hono app (`app.get('/metrics', metricsHandler(reg))`) or
 * call it from a plain fetch handler.
 */
export function metricsHandler(registry: Registry): () => Promise<Response> {
  return async () =>
    new Response(await registry.metrics(), {
      status: 200,
      headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
    });
}

/**
 * A node:http request listener serving a registry at `/metrics` (404
 * elsewhere), for processes that have no HTTP app of their own:
 * `http.createServer(metricsNodeListener(reg)).listen(9100, '127.0.0.1')`.
 */
export { metricsNodeListener } from '@edgesteer/http-kit/node';

/** Why a report was refused; the `reason` label of the rejected-reports counter. */
export type RejectReason = ReportRejectReason;

/** The controller's series. Names are stable: dashboards and alerts use them. */
export interface ControllerMetrics {
  readonly registry: Registry;
  decisions: Counter<'trigger'>;
  answerChanges: Counter<'service' | 'region'>;
  verdictChanges: Counter<'edge' | 'to'>;
  tableVersion: Gauge;
  tableChanges: Counter;
  tableGenerated: Gauge;
  reportsAccepted: Counter<'probe'>;
  reportsRejected: Counter<'reason'>;
  observations: Counter<'edge' | 'region' | 'ok'>;
  observationsIgnored: Counter<'reason'>;
  linkRtt: Gauge<'edge' | 'region'>;
  linkUp: Gauge<'edge' | 'region'>;
  edgeUp: Gauge<'edge'>;
  edgeDrained: Gauge<'edge'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  streamClients: Gauge<'stream'>;
  streamDropped: Counter<'stream'>;
  policyReloads: Counter<'result'>;
  stateWrites: Counter<'result'>;
}

/** Registers the controller's series on `registry`. Call once per registry. */
export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  return {
    registry,
    decisions: new Counter({ name: 'edgesteer_controller_decisions_total', help: 'Decision cycles run, by trigger (report, tick, reload, start).', labelNames: ['trigger'], registers }),
    answerChanges: new Counter({ name: 'edgesteer_controller_answer_changes_total', help: 'Times the answer for a service and client region changed.', labelNames: ['service', 'region'], registers }),
    verdictChanges: new Counter({ name: 'edgesteer_controller_verdict_changes_total', help: 'Edge verdict flips, by edge and new verdict.', labelNames: ['edge', 'to'], registers }),
    tableVersion: new Gauge({ name: 'edgesteer_controller_table_version', help: 'Version of the routing table currently served.', registers }),
    tableChanges: new Counter({ name: 'edgesteer_controller_table_changes_total', help: 'Times the routing table content (hash) changed.', registers }),
    tableGenerated: new Gauge({ name: 'edgesteer_controller_table_generated_timestamp_seconds', help: 'When the table content served now was first computed (unix seconds).', registers }),
    reportsAccepted: new Counter({ name: 'edgesteer_controller_reports_accepted_total', help: 'Probe reports accepted, by probe id.', labelNames: ['probe'], registers }),
    reportsRejected: new Counter({ name: 'edgesteer_controller_reports_rejected_total', help: 'Probe reports refused, by reason.', labelNames: ['reason'], registers }),
    observations: new Counter({ name: 'edgesteer_controller_observations_total', help: 'Observations ingested, by edge, probe region and result.', labelNames: ['edge', 'region', 'ok'], registers }),
    observationsIgnored: new Counter({ name: 'edgesteer_controller_observations_ignored_total', help: 'Observations dropped from accepted reports (e.g. edge not in the policy).', labelNames: ['reason'], registers }),
    linkRtt: new Gauge({ name: 'edgesteer_controller_link_rtt_seconds', help: 'Smoothed RTT estimate from a probe region to an edge.', labelNames: ['edge', 'region'], registers }),
    linkUp: new Gauge({ name: 'edgesteer_controller_link_up', help: '1 if the probe region currently sees the edge up (after rise/fall).', labelNames: ['edge', 'region'], registers }),
    edgeUp: new Gauge({ name: 'edgesteer_controller_edge_up', help: '1 if the edge verdict (quorum across regions) is up.', labelNames: ['edge'], registers }),
    edgeDrained: new Gauge({ name: 'edgesteer_controller_edge_drained', help: '1 if the policy drains the edge.', labelNames: ['edge'], registers }),
    httpRequests: new Counter({ name: 'edgesteer_controller_http_requests_total', help: 'HTTP requests served, by method, route and status.', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'edgesteer_controller_http_request_duration_seconds',
      help: 'Time to produce the HTTP response head (long-polls included).',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    streamClients: new Gauge({ name: 'edgesteer_controller_stream_clients', help: 'Open streaming connections (SSE and long-polls), by stream.', labelNames: ['stream'], registers }),
    streamDropped: new Counter({ name: 'edgesteer_controller_stream_clients_dropped_total', help: 'Stream clients dropped because they stopped reading (their queue passed the limit), by stream.', labelNames: ['stream'], registers }),
    policyReloads: new Counter({ name: 'edgesteer_controller_policy_reloads_total', help: 'Policy reload attempts, by result (applied, invalid, unchanged).', labelNames: ['result'], registers }),
    stateWrites: new Counter({ name: 'edgesteer_controller_state_writes_total', help: 'State file writes, by result (ok, error).', labelNames: ['result'], registers }),
  };
}
