/**
 * @edgesteer/dns-server — the authoritative DNS data plane: answers every
 * policy zone over UDP and TCP from precomputed templates (@edgesteer/dns-wire),
 * per client region, following the controller's routing table.
 */
export { startDnsServer, DEFAULTS } from './server.js';
export type { DnsServer, DnsServerOptions } from './options.js';
export type { DnsMetricsSnapshot } from './metrics.js';
export { DnsServerError } from './errors.js';
export { isRoutingTable } from './table-follower.js';
export { ResponseRateLimiter, RRL_DEFAULTS, rrlSettings, truncatedResponse, type RrlCounts, type RrlOptions } from './rrl.js';
export { renderDnsMetrics, startDnsMetricsListener, PROMETHEUS_CONTENT_TYPE, type DnsMetricsListener } from './metrics-http.js';
export { LATENCY_BUCKETS_SECONDS, type LatencySnapshot } from './latency-histogram.js';
