/**
 * GET /resolve?name=&type= — the JSON form public DoH services offer
 * (Google's /resolve, Cloudflare's application/dns-json). The question is
 * turned into a real DNS query and answered by the same answer plane as
 * /dns-query, then the wire response is rendered as JSON, so the two forms
 * can never disagree.
 */
import { decodeMessage, encodeQuery, ecsFromCidr, TYPE, type DecodedMessage, type EcsOption, type ResourceRecord } from '@edgesteer/dns-wire';
import { formatIp, parseCidr, parseIp } from '@edgesteer/policy/neutral';
import { WorkerError } from './errors.js';

/** The parsed query parameters. */
export interface ResolveQuery {
  name: string;
  type: number;
  ecs?: EcsOption;
  cd: boolean;
  dnssecOk: boolean;
}

const TYPE_BY_NAME = new Map<string, number>(Object.entries(TYPE));
const NAME_BY_TYPE = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

/** Parses /resolve parameters; throws WorkerError (400) naming the bad one. */
export function parseResolveQuery(params: URLSearchParams): ResolveQuery {
  const name = params.get('name');
  if (name === null || name.trim() === '') throw new WorkerError('E_RESOLVE_BAD_NAME', 'name= is required, e.g. /resolve?name=cdn.example.com&type=A');
  const n = name.trim();
  if (n.length > 253 || !/^[A-Za-z0-9_.*-]+$|^\.$/.test(n) || /\.\./.test(n)) {
    throw new WorkerError('E_RESOLVE_BAD_NAME', `name "${n.slice(0, 64)}" is not a DNS name`);
  }
  const typeText = (params.get('type') ?? 'A').trim();
  let type: number | undefined;
  if (/^\d+$/.test(typeText)) type = Number(typeText);
  else type = TYPE_BY_NAME.get(typeText.toUpperCase());
  if (type === undefined || !Number.isInteger(type) || type < 1 || type > 65535) {
    throw new WorkerError('E_RESOLVE_BAD_TYPE', `type "${typeText.slice(0, 16)}" is not a record type: use a mnemonic (A, AAAA, SOA, NS, TXT, ...) or a number 1-65535`);
  }
  const q: ResolveQuery = { name: n, type, cd: truthy(params.get('cd') ?? undefined), dnssecOk: truthy(params.get('do') ?? undefined) };
  const subnet = params.get('edns_client_subnet');
  if (subnet !== null && subnet !== '') q.ecs = ecsFromParam(subnet);
  return q;
}

/** ECS from `10.2.3.0/24`, or a bare address (its full length). */
export function ecsFromParam(text: string): EcsOption {
  const t = text.trim();
  const cidr = t.includes('/') ? parseCidr(t) : null;
  const ip = t.includes('/') ? null : parseIp(t);
  if (!cidr && !ip) throw new WorkerError('E_BAD_SUBNET', `edns_client_subnet "${t.slice(0, 64)}" is not an address or CIDR like 10.2.3.0/24`);
  return ecsFromCidr(cidr ? t : `${t}/${ip!.family === 4 ? 32 : 128}`);
}

/** The DNS query message for the parameters. */
export function resolveQueryMessage(q: ResolveQuery): Uint8Array {
  try {
    return encodeQuery({ name: q.name, type: q.type, rd: true, cd: q.cd, edns: { udpSize: 1232, dnssecOk: q.dnssecOk, ...(q.ecs ? { ecs: q.ecs } : {}) } });
  } catch (err) {
    throw new WorkerError('E_RESOLVE_BAD_NAME', `name "${q.name.slice(0, 64)}" cannot be encoded: ${(err as Error).message}`);
  }
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** RDATA in presentation format (RFC 1035 §5.1; unknown types per RFC 3597). */
function presentation(rr: ResourceRecord): string {
  const d = rr.data;
  switch (d.kind) {
    case 'address':
      return d.address;
    case 'name':
      return fqdn(d.name);
    case 'soa':
      return `${fqdn(d.soa.mname)} ${fqdn(d.soa.rname)} ${d.soa.serial} ${d.soa.refresh} ${d.soa.retry} ${d.soa.expire} ${d.soa.minimum}`;
    case 'hinfo':
      return `${quote(d.cpu)} ${quote(d.os)}`;
    case 'txt':
      return d.strings.map(quote).join(' ');
    case 'mx':
      return `${d.preference} ${fqdn(d.exchange)}`;
    case 'raw':
      return `\\# ${d.bytes.length}${d.bytes.length ? ` ${hex(d.bytes)}` : ''}`;
  }
}

const record = (rr: ResourceRecord) => ({ name: fqdn(rr.name), type: rr.type, TTL: rr.ttl, data: presentation(rr) });

/** The JSON body for a wire response (Google/Cloudflare field names). */
export function resolveJson(response: Uint8Array): Record<string, unknown> {
  const m: DecodedMessage = decodeMessage(response);
  const out: Record<string, unknown> = {
    Status: m.rcode,
    TC: m.flags.tc,
    RD: m.flags.rd,
    RA: m.flags.ra,
    AD: m.flags.ad,
    CD: m.flags.cd,
    Question: m.questions.map((q) => ({ name: fqdn(q.name), type: q.type })),
  };
  if (m.answers.length) out['Answer'] = m.answers.map(record);
  if (m.authorities.length) out['Authority'] = m.authorities.map(record);
  if (m.additionals.length) out['Additional'] = m.additionals.map(record);
  const ecs = m.edns?.ecs;
  if (ecs) {
    const addr = formatIp({ family: ecs.family === 1 ? 4 : 6, bytes: ecs.address.slice(0, ecs.family === 1 ? 4 : 16) });
    // Google's convention: the client subnet's address and the scope prefix the answer is valid for.
    out['edns_client_subnet'] = `${addr}/${ecs.scopePrefix}`;
  }
  return out;
}

/** Mnemonic of a type number, for logs. */
export function typeName(type: number): string {
  return NAME_BY_TYPE.get(type) ?? `TYPE${type}`;
}
