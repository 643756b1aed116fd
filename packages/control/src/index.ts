/**
 * @edgesteer/control — the controller: ingests signed probe reports, runs
 * core's decide() on every change and on a tick, and serves the routing
 * table (ETag, long-poll, SSE), edge health, a live dashboard and metrics.
 */
export { Controller, type ControllerOptions, type DecisionTrigger, type IngestResult, type ProbeRecord, type RecordedObservation } from './controller.js';
export { createControllerApp, DEFAULT_LONG_POLL_MS, DEFAULT_MAX_BODY_BYTES, type ControllerApp, type ControllerAppDeps } from './app.js';
export { startController, DEFAULT_LISTEN, DEFAULT_STATE_DIR, DEFAULT_TICK_MS, type RunningController, type StartControllerOptions } from './server.js';
export { ReportIntake, type IntakeResult, type ReportProblem } from './report-intake.js';
export { PolicyWatcher, type ReloadResult } from './policy-watcher.js';
export { StateStore, STATE_FILE } from './state-store.js';
export { parseSnapshot, SNAPSHOT_FORMAT, type ControllerSnapshot } from './snapshot.js';
export { createControllerMetrics, metricsHandler, metricsNodeListener, processRegistry, type ControllerMetrics, type RejectReason } from './metrics.js';
export { createControllerLogger, silentLogger, type Logger } from './logger.js';
export { edgesView, healthView, type EdgeView, type EdgesView, type HealthView, type LinkView } from './views.js';
export { diffAnswers, diffVerdicts, type AnswerChange, type PolicyChange, type TimelineEvent, type VerdictChange } from './changes.js';
export { writeFileAtomic } from '@edgesteer/http-kit/node';
export { CONTROL_ERRORS, ControlError, type ControlErrorCode } from './errors.js';
export { ObservationLog, encodeRecord, decodeRecord, parseDuration, type LoggedObservation, type ObservationLogOptions, type ObservationSink, type ReadStats } from './observation-log.js';
export { registerTimelineRoutes, type PolicyChangeRecord } from './timeline-routes.js';
