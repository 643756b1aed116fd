/**
 * The DNS server's Prometheus exposition through prom-client, like every
 * other edgesteer process. The query path keeps its plain counters (a
 * property increment per query, summed over worker processes); a scrape
 * copies one snapshot into a fresh prom-client registry and lets prom-client
 * write the text (escaping, formats, content type).
 */
import type { MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from './latency-histogram.js';
import type { DnsMetricsSnapshot } from './metrics.js';

/** Prometheus text exposition format 0.0.4 (prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// prom-client is imported on the first scrape, not at start: a DNS server
// without --metrics-listen never loads it (about 1.6 MB of heap, 6 MB RSS).
type PromClient = typeof import('prom-client');
let prom: Promise<PromClient> | undefined;

type Labels = Record<string, string>;

function counter(P: PromClient, reg: Registry, name: string, help: string, samples: ReadonlyArray<readonly [Labels, number]>, labelNames: string[] = []): void {
  const c = new P.Counter({ name, help, labelNames, registers: [reg] });
  for (const [labels, v] of samples) c.inc(labels, v);
}

function gauge(P: PromClient, reg: Registry, name: string, help: string, samples: ReadonlyArray<readonly [Labels, number]>, labelNames: string[] = []): void {
  const g = new P.Gauge({ name, help, labelNames, registers: [reg] });
  for (const [labels, v] of samples) g.set(labels, v);
}

const byLabel = (label: string, map: Record<string, number>) => Object.keys(map).sort().map((k) => [{ [label]: k }, map[k]!] as const);

/**
 * The answer-time histogram is already bucketed (sampled in the query path,
 * summed over workers): registered as a collector object that hands
 * prom-client the cumulative buckets, since prom-client's Histogram only
 * takes single observations.
 */
function bucketedHistogram(reg: Registry, name: string, help: string, m: DnsMetricsSnapshot['latency']): void {
  const values: MetricValueWithName<string>[] = [];
  let cum = 0;
  LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
    cum += m.counts[i] ?? 0;
    values.push({ metricName: `${name}_bucket`, labels: { le: String(le) }, value: cum });
  });
  cum += m.counts[LATENCY_BUCKETS_SECONDS.length] ?? 0;
  values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: cum });
  values.push({ metricName: `${name}_sum`, labels: {}, value: m.sumSeconds });
  values.push({ metricName: `${name}_count`, labels: {}, value: m.count });
  // What prom-client's registry reads from a metric: name, help, type and the values from get().
  const metric = { name, help, type: 'histogram', aggregator: 'sum', values } as unknown as MetricObjectWithValues<MetricValueWithName<string>>;
  reg.registerMetric({ name, get: async () => metric } as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** This process's CPU and resident memory. */
export function processStats(): { cpuSeconds: number; residentBytes: number } {
  const cpu = process.cpuUsage();
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, residentBytes: process.memoryUsage.rss() };
}

/** Renders a DNS server snapshot (plus this process's CPU and memory) as Prometheus text. */
export async function renderDnsMetrics(m: DnsMetricsSnapshot, proc: { cpuSeconds: number; residentBytes: number } = processStats()): Promise<string> {
  const P = await (prom ??= import('prom-client'));
  const reg = new P.Registry();
  const p = 'edgesteer_dns_';
  counter(P, reg, `${p}queries_total`, 'DNS messages received, by transport (answered or dropped).', [[{ transport: 'udp' }, m.byTransport.udp], [{ transport: 'tcp' }, m.byTransport.tcp]], ['transport']);
  counter(P, reg, `${p}responses_total`, 'Responses sent, by rcode (NOERROR, NXDOMAIN, REFUSED, FORMERR, ...).', byLabel('rcode', m.byRcode), ['rcode']);
  counter(P, reg, `${p}region_answers_total`, 'Answers that depended on the client region (ECS, else source address), by region.', byLabel('region', m.byRegion), ['region']);
  counter(P, reg, `${p}service_answers_total`, 'Answers for steered names, by service id.', byLabel('service', m.byService), ['service']);
  counter(P, reg, `${p}truncated_total`, 'UDP responses sent with TC set (client should retry over TCP).', [[{}, m.truncated]]);
  counter(P, reg, `${p}dropped_total`, 'Messages not answered (not a query, or no reply possible).', [[{}, m.dropped]]);
  counter(P, reg, `${p}errors_total`, 'Unexpected errors while answering (a bug when non-zero; see E_DNS_ANSWER logs).', [[{}, m.errors]]);
  gauge(P, reg, `${p}tcp_connections_open`, 'TCP connections open now.', [[{}, m.tcpConnections.open]]);
  counter(P, reg, `${p}tcp_connections_total`, 'TCP connections, by result (accepted, rejected over the connection cap).', [[{ result: 'accepted' }, m.tcpConnections.accepted], [{ result: 'rejected' }, m.tcpConnections.rejected]], ['result']);
  if (m.rrl) {
    counter(P, reg, `${p}rrl_limited_total`, 'UDP responses over the response rate limit, by action (dropped, slipped = sent truncated).', [[{ action: 'dropped' }, m.rrl.dropped], [{ action: 'slipped' }, m.rrl.slipped]], ['action']);
  }
  bucketedHistogram(reg, `${p}answer_duration_seconds`, 'Time to build one response in-process (parse, lookup, encode); socket and kernel time excluded.', m.latency);
  const t = m.table;
  gauge(P, reg, `${p}table_version`, 'Version of the routing table being served.', [[{}, t.version]]);
  gauge(P, reg, `${p}table_age_seconds`, 'Age of the routing table being served (now - generatedAt).', [[{}, t.ageMs / 1000]]);
  gauge(P, reg, `${p}table_generated_timestamp_seconds`, 'When the table being served was generated (unix seconds).', [[{}, t.generatedAt / 1000]]);
  gauge(P, reg, `${p}table_info`, 'The table being served: hash and source (controller or local assume-up).', [[{ hash: t.hash, source: t.source }, 1]], ['hash', 'source']);
  gauge(P, reg, `${p}table_stale`, '1 when the controller has not been reached for longer than the stale bound (still serving the last good table).', [[{}, t.stale ? 1 : 0]]);
  if (t.lastSyncAt !== undefined) {
    gauge(P, reg, `${p}controller_last_sync_timestamp_seconds`, 'Last successful contact with the controller (unix seconds).', [[{}, t.lastSyncAt / 1000]]);
  }
  const pl = m.plane;
  if (pl) {
    // The plane health contract, as on /healthz: planes fed the same reports publish the same hashes.
    gauge(P, reg, 'edgesteer_plane_info', 'This plane: status (ok, unsynced, stale), table and policy hashes, client map hash ("" when none).', [[{ plane: 'dns', status: pl.status, table_hash: t.hash, policy_hash: pl.policyHash, client_map_hash: pl.clientMapHash ?? '' }, 1]], ['plane', 'status', 'table_hash', 'policy_hash', 'client_map_hash']);
    gauge(P, reg, 'edgesteer_plane_synced', '1 when fresh data from quorum regions backs the table (status ok).', [[{ plane: 'dns' }, pl.status === 'ok' ? 1 : 0]], ['plane']);
    gauge(P, reg, `${p}steered_held`, '1 while steered names answer SERVFAIL (unsynced, policy health.unsynced: servfail).', [[{}, pl.hold ? 1 : 0]]);
    if (pl.lastObservationAt !== null) {
      gauge(P, reg, 'edgesteer_plane_last_observation_timestamp_seconds', 'Newest probe observation folded into the decision state (unix seconds).', [[{ plane: 'dns' }, pl.lastObservationAt / 1000]], ['plane']);
    }
    if (pl.reports) {
      counter(P, reg, `${p}reports_accepted_total`, 'Signed probe reports accepted on POST /v1/observations.', [[{}, pl.reports.accepted]]);
      counter(P, reg, `${p}reports_rejected_total`, "Probe reports refused, by reason (core's reasons, as on the controller).", byLabel('reason', pl.reports.rejected as Record<string, number>), ['reason']);
    }
    if (pl.refusedOlder !== undefined) {
      counter(P, reg, `${p}tables_refused_older_total`, 'Tables from the controller refused because they were older than the served one.', [[{}, pl.refusedOlder]]);
    }
  }
  gauge(P, reg, `${p}processes`, 'Processes answering on the port (1, or the --workers count).', [[{}, m.processes]]);
  if (m.udpPath) gauge(P, reg, `${p}udp_path_info`, 'The UDP path answering: batched (recvmmsg/sendmmsg addon) or dgram (node:dgram).', [[{ path: m.udpPath }, 1]], ['path']);
  counter(P, reg, 'edgesteer_process_cpu_seconds_total', 'CPU time of this (primary) process, user + system.', [[{}, proc.cpuSeconds]]);
  gauge(P, reg, 'edgesteer_process_resident_memory_bytes', 'Resident memory of this (primary) process.', [[{}, proc.residentBytes]]);
  return reg.metrics();
}
