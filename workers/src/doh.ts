/**
 * DNS-over-HTTPS (RFC 8484) on top of the shared answer plane: the same
 * precomputed wire answers the authoritative server sends, with the client's
 * region from ECS in the query, else the connecting address, else (on
 * Cloudflare) the request.cf hint, else the default region.
 *
 * Mapping to HTTP:
 *  - a message that is not a query at all (shorter than a header, QR set)
 *    or is malformed (the server would answer FORMERR) → HTTP 400: RFC 8484
 *    §4.2.1 reserves 2xx for DNS responses and lets a server refuse a
 *    request it cannot parse;
 *  - every other outcome, NXDOMAIN, REFUSED, NOTIMP included, is a DNS
 *    answer → HTTP 200 with application/dns-message;
 *  - Cache-Control max-age = the smallest TTL in the answer and authority
 *    sections (RFC 8484 §5.1; the negative SOA already carries
 *    min(TTL, MINIMUM)); `private` when the answer depended on the client's
 *    address, so a shared HTTP cache never hands one client's region to
 *    another; `no-store` when there is no record to bound it.
 */
import { decodeMessage, PARSE, parseQueryInto, QueryInfo, RCODE, type AnswerInfo, type AnswerPlane } from '@edgesteer/dns-wire';
import { parseCidr, type Policy } from '@edgesteer/policy/neutral';
import { regionFromCf, type CfHints, type CfLocation } from './cf-hints.js';
import { claimedByPolicy, parseClientAddress, type RegionSource } from './client-region.js';

/** Who is asking, as far as HTTP can tell. */
export interface DohClient {
  /** Connecting address (socket peer on Node, CF-Connecting-IP on Cloudflare). */
  address: string | undefined;
  cf?: CfLocation | undefined;
  hints?: CfHints | undefined;
}

export type DohResult =
  | {
      ok: true;
      bytes: Uint8Array;
      cacheControl: string;
      rcode: number;
      /** Region the answer was chosen for (steered names only). */
      region: string | undefined;
      service: string | undefined;
      regionSource: RegionSource | undefined;
    }
  | { ok: false; message: string };

/** Address used to answer for a hinted region: its first client network (the plane matches addresses, not ids). */
function representativeAddress(policy: Policy, region: string): string | undefined {
  const r = policy.regions.find((x) => x.id === region);
  if (!r) return undefined;
  for (const text of r.clientCidrs) {
    const c = parseCidr(text);
    if (c) return text.split('/')[0];
  }
  return undefined;
}

/** Answers one DoH query (see module doc). */
export function answerDoh(plane: AnswerPlane, query: Uint8Array, client: DohClient): DohResult {
  const q = new QueryInfo();
  const status = parseQueryInto(query, q);
  if (status === PARSE.DROP) {
    return { ok: false, message: query.length < 12 ? `message is ${query.length} bytes; a DNS header alone is 12` : 'message is a response (QR set), not a query' };
  }
  if (status === PARSE.FORMERR) return { ok: false, message: 'malformed DNS query (the authoritative server answers FORMERR): check the question and OPT record' };

  let address = client.address ?? '0.0.0.0';
  let regionSource: RegionSource | undefined;
  if (status === PARSE.OK) {
    if (q.hasEcs) regionSource = 'ecs';
    else {
      const ip = parseClientAddress(client.address);
      if (ip && claimedByPolicy(plane.policy, ip)) regionSource = 'address';
      else {
        const hinted = regionFromCf(client.hints, client.cf);
        const stand = hinted ? representativeAddress(plane.policy, hinted.region) : undefined;
        if (stand) {
          address = stand;
          regionSource = 'cf-hint';
        } else regionSource = 'default';
      }
    }
  }

  const info: AnswerInfo = { rcode: 0, service: undefined, region: undefined, truncated: false };
  const bytes = plane.answer(query, address, { transport: 'doh', info });
  if (bytes === null) return { ok: false, message: 'not a DNS query' };
  if (info.rcode === RCODE.FORMERR) return { ok: false, message: 'malformed DNS query (the authoritative server answers FORMERR)' };

  const depended = info.region !== undefined && regionSource !== 'ecs';
  return {
    ok: true,
    bytes,
    cacheControl: cacheControlFor(bytes, depended),
    rcode: info.rcode,
    region: info.region,
    service: info.service,
    regionSource: info.region !== undefined ? regionSource : undefined,
  };
}

/** Cache-Control for a response (see module doc). */
export function cacheControlFor(response: Uint8Array, perClient: boolean): string {
  let min = Infinity;
  try {
    const m = decodeMessage(response);
    for (const rr of [...m.answers, ...m.authorities]) {
      min = Math.min(min, rr.ttl);
      if (rr.data.kind === 'soa') min = Math.min(min, rr.data.soa.minimum);
    }
  } catch {
    return 'no-store';
  }
  if (!Number.isFinite(min)) return 'no-store';
  return `${perClient ? 'private' : 'public'}, max-age=${min}`;
}
