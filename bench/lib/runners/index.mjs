/**
 * Every system the bench can measure. A runner has an id, a label,
 * `available()` ({ ok } or { ok: false, reason }), and `start(ctx)` that
 * returns a handle `{ port, pgids, stop() }` (plus, for failover runners,
 * `settings` and `describeSetting`).
 */
import { edgesteerDns, edgesteerDnsDgram } from './edgesteer-dns.mjs';
import { edgesteerStack } from './edgesteer-stack.mjs';
import { gdnsd } from './gdnsd.mjs';
import { pdns } from './pdns.mjs';
import { knot } from './knot.mjs';
import { workerRuntimes } from './edgesteer-worker.mjs';

/** DNS servers for throughput and latency, edgesteer first (it sets the load levels); both of its UDP paths. */
export const DNS_RUNNERS = [edgesteerDns, edgesteerDnsDgram, gdnsd, pdns, knot];
/** Systems with health checks for the failover trials. */
export const FAILOVER_RUNNERS = [edgesteerStack, gdnsd, pdns];
/** Worker runtimes for DoH. */
export const WORKER_RUNNERS = workerRuntimes;
