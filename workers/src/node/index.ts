/**
 * @edgesteer/worker/node — run the Worker on Node (`edgesteer worker`, the
 * all-in-one runner, tests).
 */
export { startWorkerNode, type RunningWorker, type WorkerNodeOptions } from './start.js';
export { FilePolicySource, type PolicyReload } from './file-policy-source.js';
export { createWorkerNodeMetrics, type WorkerNodeMetrics } from './node-metrics.js';
