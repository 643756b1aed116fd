/**
 * Plain counters of the DNS server, ready for the controller's /metrics.
 * Counting is a property increment per query; labels are the rcode name, the
 * client region (answers that depended on it) and the service id.
 */
import { RCODE_NAMES, type AnswerInfo } from '@edgesteer/dns-wire';
import { addLatency, LatencyHistogram, type LatencySnapshot } from './latency-histogram.js';

/** A point-in-time copy of the counters and table state. Plain JSON. */
export interface DnsMetricsSnapshot {
  /** Queries answered or dropped, all transports. */
  queries: number;
  byTransport: Record<'udp' | 'tcp', number>;
  /** Responses by rcode name (NOERROR, NXDOMAIN, REFUSED, FORMERR, ...). */
  byRcode: Record<string, number>;
  /** Steered answers by client region. */
  byRegion: Record<string, number>;
  /** Answers for steered names by service id. */
  byService: Record<string, number>;
  /** UDP responses with TC set. */
  truncated: number;
  /** Packets not answered (not a query, or no reply possible). */
  dropped: number;
  /** Unexpected errors while answering (a bug if non-zero). */
  errors: number;
  tcpConnections: { open: number; accepted: number; rejected: number };
  /** In-process answer time histogram (see latency-histogram.ts). */
  latency: LatencySnapshot;
  table: {
    version: number;
    hash: string;
    /** When the table was generated (epoch ms). */
    generatedAt: number;
    /** now - generatedAt at snapshot time. */
    ageMs: number;
    /** 'controller' or 'local' (assume-up from the policy). */
    source: 'controller' | 'local';
    /** Last successful contact with the controller (epoch ms), controller mode only. */
    lastSyncAt?: number;
    /** True when the controller has not been reached for longer than the stale bound. */
    stale: boolean;
  };
  /** The plane health contract (see TEAM contract / README): what /healthz serves. */
  plane?: {
    status: 'ok' | 'unsynced' | 'stale';
    policyHash: string;
    clientMapHash: string | null;
    lastObservationAt: number | null;
    /** Steered names answer SERVFAIL (unsynced, health.unsynced: servfail). */
    hold: boolean;
    /** Local mode: regions with fresh data / needed for quorum. */
    freshRegions?: string[];
    quorumNeeded?: number;
    /** Local mode: state history id; follower mode: the controller's. */
    epoch?: string;
    /** Reports accepted / refused by reason (local mode). */
    reports?: { accepted: number; rejected: Record<string, number>; lastReportAt: number | null };
    /** Follower mode: tables refused for being older than the served one. */
    refusedOlder?: number;
  };
  /** Worker processes contributing (1 when single-process). */
  processes: number;
  /** The client map answers come from (hash: see ClientMap in @edgesteer/core). */
  clientMap?: { hash: string; source: string; v4Ranges: number; v6Ranges: number; bytes: number };
  /** UDP path answering: the batched addon or node:dgram. */
  udpPath?: 'batched' | 'dgram';
  /** Response rate limiting over UDP: responses dropped / sent truncated (slip). Absent when RRL is off. */
  rrl?: { dropped: number; slipped: number };
}

function inc(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** The counters of one process. */
export class DnsCounters {
  queries = 0;
  udp = 0;
  tcp = 0;
  truncated = 0;
  dropped = 0;
  errors = 0;
  tcpOpen = 0;
  tcpAccepted = 0;
  tcpRejected = 0;
  readonly byRcode: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly byRegion: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly byService: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly latency = new LatencyHistogram();

  /** Counts one answered (or dropped) query from the plane's AnswerInfo. */
  count(info: AnswerInfo, transport: 'udp' | 'tcp'): void {
    this.queries++;
    if (transport === 'udp') this.udp++;
    else this.tcp++;
    if (info.rcode < 0) {
      this.dropped++;
      return;
    }
    inc(this.byRcode, RCODE_NAMES[info.rcode] ?? `RCODE${info.rcode}`);
    if (info.region !== undefined) inc(this.byRegion, info.region);
    if (info.service !== undefined) inc(this.byService, info.service);
    if (info.truncated) this.truncated++;
  }

  /** The counters as a partial snapshot (table state is filled in by the server). */
  counts(): Omit<DnsMetricsSnapshot, 'table' | 'processes'> {
    return {
      queries: this.queries,
      byTransport: { udp: this.udp, tcp: this.tcp },
      byRcode: { ...this.byRcode },
      byRegion: { ...this.byRegion },
      byService: { ...this.byService },
      truncated: this.truncated,
      dropped: this.dropped,
      errors: this.errors,
      tcpConnections: { open: this.tcpOpen, accepted: this.tcpAccepted, rejected: this.tcpRejected },
      latency: this.latency.snapshot(),
    };
  }
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Sums the counters of several processes (cluster mode). */
export function sumCounts(parts: ReadonlyArray<Omit<DnsMetricsSnapshot, 'table' | 'processes'>>): Omit<DnsMetricsSnapshot, 'table' | 'processes'> {
  const out = new DnsCounters().counts();
  for (const p of parts) {
    out.queries += p.queries;
    out.byTransport.udp += p.byTransport.udp;
    out.byTransport.tcp += p.byTransport.tcp;
    addInto(out.byRcode, p.byRcode);
    addInto(out.byRegion, p.byRegion);
    addInto(out.byService, p.byService);
    out.truncated += p.truncated;
    out.dropped += p.dropped;
    out.errors += p.errors;
    out.tcpConnections.open += p.tcpConnections.open;
    out.tcpConnections.accepted += p.tcpConnections.accepted;
    out.tcpConnections.rejected += p.tcpConnections.rejected;
    addLatency(out.latency, p.latency);
  }
  return out;
}
