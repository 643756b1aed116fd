/**
 * @edgesteer/probes — the probe agent: HTTP/HTTPS/TCP checks with connect and
 * first-byte RTT, signed batched reports to the controller and Worker, and
 * CloudWatch metrics for Route53 health checks.
 */
export { startProbe, runProbeOnce, type ProbeHandle, type ProbeStats, type OnceResult } from './agent.js';
export { buildPipeline, reportUrl, DEFAULT_CONCURRENCY, DEFAULT_REPORT_PATH, type StartProbeOptions, type CloudWatchOptions } from './pipeline.js';
export { runCheck, PROBE_USER_AGENT, PROBE_REGION_HEADER, type RunCheckOptions } from './checks/run-check.js';
export { targetOf, type CheckTarget } from './checks/target.js';
export { classifyError, type CheckFailure } from './checks/reason.js';
export { MAX_BODY_BYTES, MAX_REDIRECTS } from './checks/http-common.js';
export { Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export { Reporter, type ReporterOptions, type ReportSinkLike } from './reporter.js';
export { HttpReportSink, type ReportSinkOptions, type ReportSinkStats } from './report-sink.js';
export { CloudWatchPublisher, observationDatums, chunkDatums, DEFAULT_NAMESPACE, PUT_METRIC_DATA_LIMITS, type CloudWatchPublisherOptions, type CloudWatchStats } from './cloudwatch.js';
export { EdgeStateTracker, type EdgeStateChange, type EdgeStateView } from './edge-state.js';
export { loadProbeKey, PROBE_KEY_ENV, type ProbeKeySource } from './keys.js';
export { seededRandom, jittered, type Random } from './jitter.js';
export { BoundedQueue } from './bounded-queue.js';
export { createProbeLogger } from './logger.js';
export { ProbeError } from './errors.js';
export { createProbeMetrics, PROBE_RTT_BUCKETS, type ProbeMetrics, type ProbeMetricsOptions } from './metrics.js';
export { startMetricsListener, type MetricsListener } from './metrics-http.js';
