/**
 * Where a check connects and what it says when it gets there, derived once
 * from the policy's edge: address, port, Host header, TLS server name.
 */
import { isIP } from 'node:net';
import type { Edge } from '@edgesteer/policy';

export interface CheckTarget {
  type: 'http' | 'https' | 'tcp';
  /** IP address or host name to connect to. */
  address: string;
  port: number;
  /** Host header (http/https). */
  hostHeader: string;
  /** TLS server name; undefined when the only name is an IP address (SNI cannot carry one). */
  servername: string | undefined;
  path: string;
}

export type TargetResult = { ok: true; target: CheckTarget } | { ok: false; detail: string };

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/** `[v6]` for IPv6 literals in Host headers and URLs. */
export function hostForUrl(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** The host name part of a Host header value (`a.example:8443` → `a.example`, `[::1]:80` → `::1`). */
export function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return end > 0 ? hostHeader.slice(1, end) : hostHeader;
  }
  const colon = hostHeader.lastIndexOf(':');
  return colon > 0 && hostHeader.indexOf(':') === colon ? hostHeader.slice(0, colon) : hostHeader;
}

/**
 * Resolves an edge's check target. The address defaults to the edge's first
 * IPv4, then IPv6 address, then its alias target's DNS name.
 */
export function targetOf(edge: Edge): TargetResult {
  const c = edge.check;
  const address = c.address ?? edge.ipv4[0] ?? edge.ipv6[0] ?? edge.alias?.dnsName;
  if (!address) return { ok: false, detail: 'edge has no address to check: set check.address, ipv4, ipv6 or alias' };
  const port = c.port ?? (c.type === 'tcp' ? undefined : DEFAULT_PORT[c.type]);
  if (port === undefined) return { ok: false, detail: 'tcp check needs check.port' };
  const defaultPort = c.type !== 'tcp' && port === DEFAULT_PORT[c.type];
  const hostHeader = c.host ?? (defaultPort ? hostForUrl(address) : `${hostForUrl(address)}:${port}`);
  const nameCandidate = c.sni ?? (c.host !== undefined ? hostnameOf(c.host) : address);
  const servername = isIP(nameCandidate) ? undefined : nameCandidate;
  return { ok: true, target: { type: c.type, address, port, hostHeader, servername, path: c.path } };
}
