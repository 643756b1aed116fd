/**
 * @edgesteer/worker — the vendor-neutral Worker: DNS-over-HTTPS, the JSON
 * resolve API, HTTP steering and signed ingest, as one Hono app on
 * Web-standard APIs. cloudflare.ts is the workerd entry; the Node runner is
 * `@edgesteer/worker/node`.
 */
export { createWorkerApp, DEFAULT_MAX_REPORT_BYTES, MAX_DNS_MESSAGE_BYTES, type WorkerApp, type WorkerAppDeps } from './app.js';
export { WorkerEngine, type EngineOptions, type EngineView, type IngestOutcome, type RejectReason, type ReportProblem } from './engine.js';
export type { StateStore, WorkerSnapshot } from './state-store.js';
export { MemoryStateStore } from './memory-store.js';
export { checkReplay, MAX_REPLAY_PROBES, type ReplayMemory } from './replay-memory.js';
export { bundledPolicySource, parsePolicyText, staticPolicySource, urlPolicySource, type BundledPolicy, type LoadedPolicy, type PolicySource } from './policy-source.js';
export { parseProbeKeys, type ProbeKeys } from './probe-keys.js';
export { clientRegion, cfLocation, type CfLocation, type ClientRegion, type RegionSource } from './client-region.js';
export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export { edgeLocation, edgeOrigin } from './edge-location.js';
export { cacheControlFor } from './doh.js';
export { resolveJson, parseResolveQuery } from './resolve-json.js';
export { findService, steer, type SteerDecision } from './steer.js';
export { WORKER_ERRORS, WorkerError, type WorkerErrorCode } from './errors.js';
export { consoleJsonLogger, silentLogger, type WorkerLogger } from './log.js';
