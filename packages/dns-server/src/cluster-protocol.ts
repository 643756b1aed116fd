/** Messages between the primary and its DNS worker processes (over the cluster IPC channel). */
import type { RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import type { DnsMetricsSnapshot } from './metrics.js';
import type { RrlCounts, RrlOptions } from './rrl.js';
import type { UdpPath } from './udp-path.js';

/** Worker settings, passed in the EDGESTEER_DNS_WORKER environment variable as JSON. */
export interface WorkerConfig {
  index: number;
  host: string;
  port: number;
  maxUdp: number;
  tcpIdleMs: number;
  maxTcpConnections: number;
  logLevel: string;
  /** NSID (RFC 5001), undefined = off. */
  nsid?: string;
  /** Response rate limiting in this worker (undefined = off). */
  rrl?: RrlOptions;
  /** UDP path, decided by the primary. */
  udpPath: UdpPath;
}

export const WORKER_ENV = 'EDGESTEER_DNS_WORKER';

export type ToWorker =
  /** clientMap: the compiled client map's serialize() bytes as base64, sent only when the map changed (workers keep the last one). */
  | { type: 'state'; policy: Policy; table: RoutingTable; hold: boolean; clientMap?: { hash: string; base64: string } }
  | { type: 'close' };

export type FromWorker =
  | { type: 'listening'; index: number }
  | { type: 'metrics'; index: number; counts: Omit<DnsMetricsSnapshot, 'table' | 'processes'>; rrl?: RrlCounts }
  | { type: 'error'; index: number; code: string; message: string };
