/**
 * The DNS server's HTTP listener (`edgesteer dns --http-listen`, alias
 * `--metrics-listen`): `POST /v1/observations` (signed probe reports, see
 * report-intake.ts), `GET /healthz` and `GET /metrics`, the latter the
 * server's own `metrics()` snapshot rendered as Prometheus text on a small
 * HTTP listener of its own, away from the DNS port. Rendering happens per
 * scrape from plain counters, so the query path pays nothing for it.
 */
import http from 'node:http';
import { listenHttp, type HttpListener } from '@edgesteer/http-kit/node';
import { LATENCY_BUCKETS_SECONDS } from './latency-histogram.js';
import type { DnsMetricsSnapshot } from './metrics.js';

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

/** Builds one metric family at a time: HELP, TYPE, samples. */
class TextWriter {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels: Record<string, string> = {}): this {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${escLabel(v)}"`).join(',');
    this.lines.push(`${name}${l ? `{${l}}` : ''} ${num(value)}`);
    return this;
  }

  /** One sample per key of `map`, labelled `label`. Keys are sorted so scrapes are stable. */
  byLabel(name: string, label: string, map: Record<string, number>): this {
    for (const k of Object.keys(map).sort()) this.sample(name, map[k]!, { [label]: k });
    return this;
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Renders a DNS server snapshot (plus this process's CPU and memory) as Prometheus text. */
export function renderDnsMetrics(m: DnsMetricsSnapshot, proc: { cpuSeconds: number; residentBytes: number } = processStats()): string {
  const w = new TextWriter();
  const p = 'edgesteer_dns_';
  w.family(`${p}queries_total`, 'counter', 'DNS messages received, by transport (answered or dropped).');
  w.sample(`${p}queries_total`, m.byTransport.udp, { transport: 'udp' }).sample(`${p}queries_total`, m.byTransport.tcp, { transport: 'tcp' });
  w.family(`${p}responses_total`, 'counter', 'Responses sent, by rcode (NOERROR, NXDOMAIN, REFUSED, FORMERR, ...).');
  w.byLabel(`${p}responses_total`, 'rcode', m.byRcode);
  w.family(`${p}region_answers_total`, 'counter', 'Answers that depended on the client region (ECS, else source address), by region.');
  w.byLabel(`${p}region_answers_total`, 'region', m.byRegion);
  w.family(`${p}service_answers_total`, 'counter', 'Answers for steered names, by service id.');
  w.byLabel(`${p}service_answers_total`, 'service', m.byService);
  w.family(`${p}truncated_total`, 'counter', 'UDP responses sent with TC set (client should retry over TCP).').sample(`${p}truncated_total`, m.truncated);
  w.family(`${p}dropped_total`, 'counter', 'Messages not answered (not a query, or no reply possible).').sample(`${p}dropped_total`, m.dropped);
  w.family(`${p}errors_total`, 'counter', 'Unexpected errors while answering (a bug when non-zero; see E_DNS_ANSWER logs).').sample(`${p}errors_total`, m.errors);
  w.family(`${p}tcp_connections_open`, 'gauge', 'TCP connections open now.').sample(`${p}tcp_connections_open`, m.tcpConnections.open);
  w.family(`${p}tcp_connections_total`, 'counter', 'TCP connections, by result (accepted, rejected over the connection cap).');
  w.sample(`${p}tcp_connections_total`, m.tcpConnections.accepted, { result: 'accepted' }).sample(`${p}tcp_connections_total`, m.tcpConnections.rejected, { result: 'rejected' });

  if (m.rrl) {
    w.family(`${p}rrl_limited_total`, 'counter', 'UDP responses over the response rate limit, by action (dropped, slipped = sent truncated).');
    w.sample(`${p}rrl_limited_total`, m.rrl.dropped, { action: 'dropped' }).sample(`${p}rrl_limited_total`, m.rrl.slipped, { action: 'slipped' });
  }

  const h = `${p}answer_duration_seconds`;
  w.family(h, 'histogram', 'Time to build one response in-process (parse, lookup, encode); socket and kernel time excluded.');
  let cum = 0;
  LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
    cum += m.latency.counts[i] ?? 0;
    w.sample(`${h}_bucket`, cum, { le: String(le) });
  });
  cum += m.latency.counts[LATENCY_BUCKETS_SECONDS.length] ?? 0;
  w.sample(`${h}_bucket`, cum, { le: '+Inf' }).sample(`${h}_sum`, m.latency.sumSeconds).sample(`${h}_count`, m.latency.count);

  const t = m.table;
  w.family(`${p}table_version`, 'gauge', 'Version of the routing table being served.').sample(`${p}table_version`, t.version);
  w.family(`${p}table_age_seconds`, 'gauge', 'Age of the routing table being served (now - generatedAt).').sample(`${p}table_age_seconds`, t.ageMs / 1000);
  w.family(`${p}table_generated_timestamp_seconds`, 'gauge', 'When the table being served was generated (unix seconds).').sample(`${p}table_generated_timestamp_seconds`, t.generatedAt / 1000);
  w.family(`${p}table_info`, 'gauge', 'The table being served: hash and source (controller or local assume-up).').sample(`${p}table_info`, 1, { hash: t.hash, source: t.source });
  w.family(`${p}table_stale`, 'gauge', '1 when the controller has not been reached for longer than the stale bound (still serving the last good table).').sample(`${p}table_stale`, t.stale ? 1 : 0);
  if (t.lastSyncAt !== undefined) {
    w.family(`${p}controller_last_sync_timestamp_seconds`, 'gauge', 'Last successful contact with the controller (unix seconds).').sample(`${p}controller_last_sync_timestamp_seconds`, t.lastSyncAt / 1000);
  }
  const pl = m.plane;
  if (pl) {
    // The plane health contract, as on /healthz: planes fed the same reports publish the same hashes.
    w.family('edgesteer_plane_info', 'gauge', 'This plane: status (ok, unsynced, stale), table and policy hashes, client map hash ("" when none).');
    w.sample('edgesteer_plane_info', 1, { plane: 'dns', status: pl.status, table_hash: t.hash, policy_hash: pl.policyHash, client_map_hash: pl.clientMapHash ?? '' });
    w.family('edgesteer_plane_synced', 'gauge', '1 when fresh data from quorum regions backs the table (status ok).').sample('edgesteer_plane_synced', pl.status === 'ok' ? 1 : 0, { plane: 'dns' });
    w.family(`${p}steered_held`, 'gauge', '1 while steered names answer SERVFAIL (unsynced, policy health.unsynced: servfail).').sample(`${p}steered_held`, pl.hold ? 1 : 0);
    if (pl.lastObservationAt !== null) {
      w.family('edgesteer_plane_last_observation_timestamp_seconds', 'gauge', 'Newest probe observation folded into the decision state (unix seconds).').sample('edgesteer_plane_last_observation_timestamp_seconds', pl.lastObservationAt / 1000, { plane: 'dns' });
    }
    if (pl.reports) {
      w.family(`${p}reports_accepted_total`, 'counter', 'Signed probe reports accepted on POST /v1/observations.').sample(`${p}reports_accepted_total`, pl.reports.accepted);
      w.family(`${p}reports_rejected_total`, 'counter', 'Probe reports refused, by reason (core\'s reasons, as on the controller).');
      w.byLabel(`${p}reports_rejected_total`, 'reason', pl.reports.rejected);
    }
    if (pl.refusedOlder !== undefined) {
      w.family(`${p}tables_refused_older_total`, 'counter', 'Tables from the controller refused because they were older than the served one.').sample(`${p}tables_refused_older_total`, pl.refusedOlder);
    }
  }
  w.family(`${p}processes`, 'gauge', 'Processes answering on the port (1, or the --workers count).').sample(`${p}processes`, m.processes);
  w.family('edgesteer_process_cpu_seconds_total', 'counter', 'CPU time of this (primary) process, user + system.').sample('edgesteer_process_cpu_seconds_total', proc.cpuSeconds);
  w.family('edgesteer_process_resident_memory_bytes', 'gauge', 'Resident memory of this (primary) process.').sample('edgesteer_process_resident_memory_bytes', proc.residentBytes);
  return w.text();
}

function processStats(): { cpuSeconds: number; residentBytes: number } {
  const cpu = process.cpuUsage();
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, residentBytes: process.memoryUsage.rss() };
}

/** A running metrics listener. */
export type DnsMetricsListener = HttpListener;

/**
 * The `/healthz` document, in the plane health contract shared with the
 * Worker and the controller: `plane`, `status` (ok | unsynced | stale),
 * `table` {version, hash, generatedAt}, `policyHash`, `clientMapHash`,
 * `lastObservationAt`, plus this server's details. `ok` stays true while
 * the server answers; `status` says whether fresh data backs its answers
 * (HTTP 200 only when it is `ok`).
 */
export function dnsHealth(m: DnsMetricsSnapshot, now = Date.now()): Record<string, unknown> {
  const t = m.table;
  const pl = m.plane;
  const status = pl?.status ?? (t.stale ? 'stale' : 'ok');
  return {
    ok: true,
    plane: 'dns',
    status,
    table: {
      version: t.version,
      hash: t.hash,
      source: t.source,
      generatedAt: t.generatedAt,
      ageMs: t.ageMs,
      stale: t.stale,
      ...(t.lastSyncAt !== undefined ? { lastSyncAt: t.lastSyncAt, lastSyncAgoMs: t.lastSyncAt > 0 ? now - t.lastSyncAt : null } : {}),
    },
    policyHash: pl?.policyHash ?? null,
    clientMapHash: pl?.clientMapHash ?? m.clientMap?.hash ?? null,
    lastObservationAt: pl?.lastObservationAt ?? null,
    ...(pl
      ? {
          hold: pl.hold,
          ...(pl.freshRegions ? { sync: { freshRegions: pl.freshRegions, needed: pl.quorumNeeded } } : {}),
          ...(pl.epoch !== undefined ? { epoch: pl.epoch } : {}),
          ...(pl.reports ? { reports: pl.reports } : {}),
          ...(pl.refusedOlder !== undefined ? { tablesRefusedOlder: pl.refusedOlder } : {}),
        }
      : {}),
    processes: m.processes,
    ...(m.clientMap ? { clientMap: m.clientMap } : {}),
  };
}

/** What the HTTP listener serves besides /metrics and /healthz. */
export interface DnsHttpExtras {
  /** POST /v1/observations (a server that decides for itself). */
  intake?: { handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> } | undefined;
}

/**
 * Serves `GET /metrics` and `GET /healthz` (and HEAD) from `snapshot()` on
 * host:port (port 0 = any free port). Anything else is 404. Resolves once
 * listening.
 */
export function startDnsMetricsListener(snapshot: () => DnsMetricsSnapshot, listen: { host: string; port: number }, extras: DnsHttpExtras = {}): Promise<DnsMetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/observations' && req.method === 'POST') {
      if (!extras.intake) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: { code: 'E_NOT_FOUND', message: 'this DNS server follows a controller (--controller): send reports to the controller' } }));
        return;
      }
      extras.intake.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: { code: 'E_INTERNAL', message: (err as Error).message } }));
      });
      return;
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const doc = dnsHealth(snapshot());
      const body = JSON.stringify(doc);
      res.writeHead(doc['status'] === 'ok' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape GET /metrics (health: GET /healthz, reports: POST /v1/observations)\n');
      return;
    }
    let body: string;
    try {
      body = renderDnsMetrics(snapshot());
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`E_DNS_METRICS: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return listenHttp(server, listen, '/metrics');
}
