/**
 * @edgesteer/route53 — keeps Route53 in the shape the routing table says:
 * latency records aliasing per-region failover sets, one health check per
 * edge (CloudWatch alarm fed by the probes, or a native checker), ownership
 * markers, plan / apply / loop.
 */
export * from './errors.js';
export * from './model.js';
export * from './names.js';
export { desiredState, policyNeedsCloudWatch, policyManagesRoute53, alarmRegionOf, cidrCollection, normalizeCidr, zoneOf, type DesiredOptions, type DesiredResult } from './desired.js';
export { healthCheckSpec, diffHealthCheck, needsReplacement, describeHealthCheck } from './health-checks.js';
export { alarmSpec, alarmDescription, parseAlarmDescription, METRIC_NAMESPACE, HEALTH_METRIC, DOWN_VOTE_METRIC, type AlarmOptions } from './alarms.js';
export { alarmCoverage, coverageWarnings, type AlarmCoverage } from './alarm-coverage.js';
export { RerankLimiter, deferReranks, isRerankOnly, DEFAULT_RERANKS_PER_MINUTE } from './rerank-limit.js';
export { markerFor, parseMarker, indexMarkers, MARKER_TTL, type MarkerInfo } from './ownership.js';
export { readCurrentState, readCidrCollection, type ReadOptions } from './current.js';
export * from './plan.js';
export { renderPlan, renderPlanJson, describeRecord, identity } from './render.js';
export { canonicalJson, checksumOf } from './checksum.js';
export { safetyCheck, type SafetyOptions, type SafetyResult } from './safety.js';
export { packBatches, changeWeight, unitWeight, splitPairs, ROUTE53_BATCH_LIMITS, type BatchLimits } from './batch.js';
export { TokenBucket, realSleep, type Sleep, type TokenBucketOptions } from './pacing.js';
export { withRetry, isRetryable, isNetworkError, backoffMs, errorCode, type RetryOptions } from './retry.js';
export { ApiCaller, type CallerOptions } from './caller.js';
export { applyPlan, MAX_CIDRS_PER_REQUEST, type ApplyOptions, type ApplyResult, type FailedChange, type FailedHealthCheck, type ProgressEvent } from './apply.js';
export { makeRoute53Client, makeCloudWatchClient, cloudwatchRegionOf, type ClientOptions } from './clients.js';
export { reconcileOnce, callerFor, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
export { startReconcileLoop, loopErrorCode, type LoopOptions, type ReconcileLoop } from './loop.js';
export { loadTable, parseTable } from './table-source.js';
export { recordFromSdk, recordToSdk } from './sdk-shapes.js';
