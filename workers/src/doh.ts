/**
 * DNS-over-HTTPS (RFC 8484) on top of the shared answer plane: the same
 * precomputed wire answers the authoritative server sends, with the client's
 * region from the compiled client map: by ECS in the query, else by the
 * connecting address, else (on Cloudflare) by request.cf through the same
 * policy rules, else the default region (client-region.ts).
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
import type { ClientMap } from '@edgesteer/core';
import { decodeMessage, PARSE, parseQueryInto, QueryInfo, RCODE, type AnswerInfo, type AnswerPlane } from '@edgesteer/dns-wire';
import { clientRegion, type CfLocation, type RegionSource } from './client-region.js';

/** Who is asking, as far as HTTP can tell. */
export interface DohClient {
  /** Connecting address (socket peer on Node, CF-Connecting-IP on Cloudflare). */
  address: string | undefined;
  cf?: CfLocation | undefined;
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

/** Answers one DoH query (see module doc). */
export function answerDoh(plane: AnswerPlane, map: ClientMap, query: Uint8Array, client: DohClient): DohResult {
  const q = new QueryInfo();
  const status = parseQueryInto(query, q);
  if (status === PARSE.DROP) {
    return { ok: false, message: query.length < 12 ? `message is ${query.length} bytes; a DNS header alone is 12` : 'message is a response (QR set), not a query' };
  }
  if (status === PARSE.FORMERR) return { ok: false, message: 'malformed DNS query (the authoritative server answers FORMERR): check the question and OPT record' };

  let address: string | Uint8Array = client.address ?? '0.0.0.0';
  let regionSource: RegionSource | undefined;
  if (status === PARSE.OK) {
    if (q.hasEcs) regionSource = 'ecs';
    else {
      const who = clientRegion(plane.policy, map, { ...(client.address ? { address: client.address } : {}), ...(client.cf ? { cf: client.cf } : {}) });
      regionSource = who.source;
      // The plane places clients by address: answer for a request.cf region as one of that region's addresses.
      if (who.source === 'cf') address = map.firstAddress(map.regions.indexOf(who.region)) ?? address;
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
