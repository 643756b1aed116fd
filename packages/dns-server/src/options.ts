import type { RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { Logger } from 'pino';
import type { DnsMetricsSnapshot } from './metrics.js';
import type { TableFollowerOptions } from './table-follower.js';
import type { ProbeKeys } from '@edgesteer/core';
import type { DnsReportIntake } from './report-intake.js';
import type { RrlCounts, RrlOptions } from './rrl.js';
import type { UdpMode } from './udp-path.js';

/** Options of {@link startDnsServer}. */
export interface DnsServerOptions {
  /** The policy, in memory (tests, the all-in-one runner). Either this or policyFile. */
  policy?: Policy;
  /** Policy file: loaded, validated, and reloaded on change / SIGHUP. */
  policyFile?: string;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port for UDP and TCP (default 5353; 0 = a free port). */
  port?: number;
  /** Controller base URL to follow the routing table from; without it the table is computed locally (assume-up). */
  controller?: string;
  /** Processes answering on the same port (SO_REUSEPORT); default 1 = in this process. */
  workers?: number;
  /** Initial routing table (default: assume-up from the policy). */
  table?: RoutingTable;
  /** EDNS UDP payload size advertised and the largest UDP response sent (default 1232). */
  maxUdp?: number;
  /** TCP idle timeout (default 10 s). */
  tcpIdleMs?: number;
  /** Open TCP connections per process (default 1000). */
  maxTcpConnections?: number;
  /** This server's NSID (RFC 5001), sent to queries that ask; `0x…` for hex bytes. Off by default. */
  nsid?: string;
  /** Open TCP connections per client address (IPv6: per /64) (default 32). */
  maxTcpPerSource?: number;
  /** A TCP message must arrive whole within this from its first byte (default 500 ms). */
  tcpMessageTimeoutMs?: number;
  /** Reload when the policy file changes (default true with policyFile). */
  watch?: boolean;
  /** Reload the policy file on SIGHUP (default false; the CLI sets it). */
  handleSigHup?: boolean;
  /**
   * Response rate limiting over UDP (see rrl.ts). Default on: RRL_DEFAULTS
   * (100 responses/s per /24 or /56 and response class, slip 2, loopback
   * exempt). `false` or `ratePerSecond: 0` turns it off.
   */
  rrl?: Partial<RrlOptions> | false;
  /**
   * Probe id → HMAC secrets: with them (and no controller) the server takes
   * the probes' signed reports on POST /v1/observations and decides itself.
   */
  keys?: ProbeKeys;
  /** Directory for the decision state; written (fsync, rename) before each new table is served. */
  stateDir?: string;
  /** Time-driven decision cycle (staleness, fail-static), ms; default 1000. */
  tickMs?: number;
  /** Accepted report signer clock difference; default core's (300 s). */
  signatureWindowMs?: number;
  /** Largest report body accepted (default 1 MiB). */
  maxReportBytes?: number;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
  /**
   * UDP path: `batched` (the recvmmsg/sendmmsg addon; error when it is not
   * built), `dgram` (node:dgram) or `auto` (default: batched when the addon
   * loads, else dgram, logged once).
   */
  udp?: UdpMode;
  /** Controller polling knobs. */
  follower?: Partial<Omit<TableFollowerOptions, 'controller' | 'onTable' | 'log'>>;
  /** pino logger (default: JSON to stdout, level info). */
  logger?: Logger;
}

/** A running DNS server. */
export interface DnsServer {
  /** Bound address and port (UDP and TCP). */
  address: string;
  port: number;
  /** Processes answering. */
  workers: number;
  /** Stops listening (and the worker processes). */
  close(): Promise<void>;
  /** Serves this routing table from now on (atomic swap). */
  setTable(table: RoutingTable): void;
  /** Serves this policy from now on; false when answers cannot be built from it. */
  setPolicy(policy: Policy): boolean;
  /** Reloads the policy file; false (problems logged) when invalid. */
  reload(): Promise<boolean>;
  /** Counters and table state. In worker mode the counters lag by up to a second. */
  metrics(): DnsMetricsSnapshot;
  /** Response rate limiting counters (summed over workers; zero when RRL is off). */
  rrlCounts(): RrlCounts;
  /** The table being served. */
  readonly table: RoutingTable;
  /** POST /v1/observations (local mode), for the HTTP listener. */
  readonly intake: DnsReportIntake | undefined;
  /** Steered names answer SERVFAIL now (unsynced with health.unsynced: servfail). */
  readonly hold: boolean;
}
