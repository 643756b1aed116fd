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
export { parseListen } from './listen-address.js';
