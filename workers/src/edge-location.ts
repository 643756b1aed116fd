/**
 * Where /steer sends a client: the URL of one edge. The policy describes an
 * edge by its addresses or alias target and its health check, so that is
 * what the Location is built from:
 *  - host: the alias target's name, else the first IPv4 address, else the
 *    first IPv6 address in brackets;
 *  - scheme: https when the edge's check is https (or a tcp check on 443),
 *    else http;
 *  - port: the check's port when it is not the scheme's default (the check
 *    probes the port the edge serves on).
 * The client's path and query after /steer/<service> are kept as they are.
 */
import type { Edge } from '@edgesteer/policy/neutral';

/** Scheme, host and port of an edge; undefined when the edge has no address or alias. */
export function edgeOrigin(edge: Edge): string | undefined {
  const host = edge.alias ? edge.alias.dnsName.replace(/\.$/, '') : edge.ipv4[0] ?? (edge.ipv6[0] ? `[${edge.ipv6[0]}]` : undefined);
  if (!host) return undefined;
  const check = edge.check;
  const https = check.type === 'https' || (check.type === 'tcp' && check.port === 443);
  const scheme = https ? 'https' : 'http';
  const defaultPort = https ? 443 : 80;
  const port = check.port !== undefined && check.port !== defaultPort ? `:${check.port}` : '';
  return `${scheme}://${host}${port}`;
}

/**
 * The redirect target: the edge origin plus `path` (made absolute) and the
 * query string the client sent (without the steering parameters).
 */
export function edgeLocation(edge: Edge, path: string, search: URLSearchParams): string | undefined {
  const origin = edgeOrigin(edge);
  if (!origin) return undefined;
  const p = path.startsWith('/') ? path : `/${path}`;
  const q = search.toString();
  return `${origin}${p}${q ? `?${q}` : ''}`;
}
