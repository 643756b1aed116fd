/**
 * @edgesteer/http-kit/node — node:http helpers (Node only; the Worker never
 * imports this entry).
 */
export { listenHttp, type HttpListener } from './listen.js';
export { metricsNodeListener, type MetricsSource } from './metrics-listener.js';
export { writeFileAtomic } from './atomic-write.js';
