/**
 * Response rate limiting (RRL) for UDP, in the spirit of BIND's
 * `rate-limit { responses-per-second; slip; }`: an authoritative server
 * answers spoofed-source floods with at most `ratePerSecond` responses per
 * second per (client subnet, response class), so it cannot be turned into a
 * reflector against a victim network.
 *
 * - Client subnet: the UDP source address cut to /24 (IPv4) or /56 (IPv6).
 *   Never the EDNS Client Subnet option: that is chosen by the sender, so an
 *   attacker could spread a flood over as many buckets as they like.
 * - Response class: a positive answer or NODATA is keyed by its qname and
 *   qtype (a resolver farm asking for many names is not limited by one hot
 *   name); NXDOMAIN and errors (REFUSED, FORMERR, NOTIMP, ...) share one
 *   bucket per subnet each, so random names cannot multiply the budget.
 * - Over the limit, a response is dropped, except every `slip`-th one which is
 *   sent truncated (TC=1, question only): a real resolver behind a spoofed
 *   subnet retries over TCP, which cannot be spoofed and is never limited.
 *   slip 0 = always drop, slip 1 = always truncate.
 * - Token bucket per account, burst = one second's worth. Accounts are kept
 *   in a bounded map (oldest evicted first), so a flood from random sources
 *   costs bounded memory.
 * - Clients in `exempt` (default loopback: local health checks, a load
 *   generator, a dnsdist in front) are never limited.
 */
import { cidrContains, parseCidr, parseIp, type Cidr } from '@edgesteer/policy';
import { DnsServerError } from './errors.js';

/** RRL settings. `ratePerSecond: 0` turns it off. */
export interface RrlOptions {
  /** Responses per second per (client subnet, response class); 0 = off. */
  ratePerSecond: number;
  /** Every slip-th limited response is sent truncated instead of dropped; 0 = never, 1 = always. */
  slip: number;
  /** IPv4 client subnet length (default 24). */
  ipv4PrefixLength?: number;
  /** IPv6 client subnet length (default 56). */
  ipv6PrefixLength?: number;
  /** Client networks never limited (CIDR text; default loopback). */
  exempt?: readonly string[];
  /** Accounts kept at most (default 100,000, about 10 MB). */
  maxAccounts?: number;
}

/** Defaults: on, 100 responses/s, slip 2, /24 and /56, loopback exempt. */
export const RRL_DEFAULTS = {
  ratePerSecond: 100,
  slip: 2,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  exempt: ['127.0.0.0/8', '::1/128'] as readonly string[],
  maxAccounts: 100_000,
} as const;

/** Counters of the limiter. */
export interface RrlCounts {
  /** Responses over the limit that were not sent. */
  dropped: number;
  /** Responses over the limit sent truncated (TC=1) instead. */
  slipped: number;
}

interface Account {
  tokens: number;
  last: number;
  limited: number;
}

const CLASS_ANSWER = 'a';
const CLASS_NODATA = 'n';
const CLASS_NXDOMAIN = 'x';
const CLASS_ERROR = 'e';

/** Where the question of a DNS message ends (header + qname + type + class), or -1 if cut off. */
export function questionEnd(msg: Uint8Array): number {
  if (msg.length < 12) return -1;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  if (qdcount === 0) return 12;
  let o = 12;
  for (;;) {
    if (o >= msg.length) return -1;
    const len = msg[o]!;
    if (len === 0) {
      o += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      o += 2;
      break;
    }
    o += 1 + len;
  }
  o += 4;
  return o <= msg.length ? o : -1;
}

/**
 * The truncated form of a response: header (TC=1, no records) and question.
 * Null when the response has no readable question.
 */
export function truncatedResponse(response: Uint8Array): Uint8Array | null {
  const end = questionEnd(response);
  if (end < 0) return null;
  const out = new Uint8Array(end);
  out.set(response.subarray(0, end));
  out[2] = out[2]! | 0x02;
  out.fill(0, 6, 12);
  return out;
}

/** Per-process response rate limiter (see module doc). */
export class ResponseRateLimiter {
  readonly counts: RrlCounts = { dropped: 0, slipped: 0 };
  private readonly rate: number;
  private readonly slip: number;
  private readonly v4Bits: number;
  private readonly v6Bits: number;
  private readonly exempt: Cidr[];
  private readonly maxAccounts: number;
  private readonly accounts = new Map<string, Account>();
  /** Client address → subnet key ('' = exempt). Bounded; cleared when full. */
  private readonly clients = new Map<string, string>();

  constructor(opts: RrlOptions) {
    this.rate = opts.ratePerSecond;
    this.slip = Math.max(0, Math.floor(opts.slip));
    this.v4Bits = opts.ipv4PrefixLength ?? RRL_DEFAULTS.ipv4PrefixLength;
    this.v6Bits = opts.ipv6PrefixLength ?? RRL_DEFAULTS.ipv6PrefixLength;
    this.maxAccounts = opts.maxAccounts ?? RRL_DEFAULTS.maxAccounts;
    this.exempt = [];
    for (const text of opts.exempt ?? RRL_DEFAULTS.exempt) {
      const c = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
      if (!c) throw new Error(`E_DNS_RRL_EXEMPT: "${text}" is not an IP address or CIDR block`);
      this.exempt.push(c);
    }
  }

  /** Number of accounts held (memory check). */
  get size(): number {
    return this.accounts.size;
  }

  /**
   * What to send for `response` to `client`: the response itself, its
   * truncated form (slip), or null (drop).
   */
  filter(response: Uint8Array, client: string, now: number): Uint8Array | null {
    const subnet = this.subnetOf(client);
    if (subnet === '') return response;
    const key = subnet + this.classKey(response);
    let acct = this.accounts.get(key);
    if (acct === undefined) {
      if (this.accounts.size >= this.maxAccounts) {
        // Map iteration is insertion order: the first key is the least recently created.
        const oldest = this.accounts.keys().next();
        if (!oldest.done) this.accounts.delete(oldest.value);
      }
      acct = { tokens: this.rate, last: now, limited: 0 };
      this.accounts.set(key, acct);
    } else {
      acct.tokens = Math.min(this.rate, acct.tokens + ((now - acct.last) * this.rate) / 1000);
      acct.last = now;
    }
    if (acct.tokens >= 1) {
      acct.tokens -= 1;
      return response;
    }
    acct.limited++;
    if (this.slip > 0 && acct.limited % this.slip === 0) {
      const tc = truncatedResponse(response);
      if (tc !== null) {
        this.counts.slipped++;
        return tc;
      }
    }
    this.counts.dropped++;
    return null;
  }

  /** The client's subnet as a key, '' when exempt. */
  private subnetOf(client: string): string {
    const cached = this.clients.get(client);
    if (cached !== undefined) return cached;
    const text = client.startsWith('::ffff:') && client.includes('.') ? client.slice(7) : client;
    const ip = parseIp(text);
    let key = '';
    if (ip !== null && !this.exempt.some((c) => cidrContains(c, ip))) {
      const bits = ip.family === 4 ? this.v4Bits : this.v6Bits;
      const bytes = ip.bytes.slice();
      for (let bit = bits; bit < bytes.length * 8; bit++) bytes[bit >> 3] = bytes[bit >> 3]! & ~(0x80 >> (bit & 7));
      key = `${ip.family}:${Array.from(bytes).join('.')}/${bits}|`;
    }
    if (this.clients.size >= 65_536) this.clients.clear();
    this.clients.set(client, key);
    return key;
  }

  /** Response class, with qname and qtype for answers and NODATA. */
  private classKey(r: Uint8Array): string {
    const rcode = r[3]! & 0x0f;
    if (rcode === 3) return CLASS_NXDOMAIN;
    if (rcode !== 0) return CLASS_ERROR;
    const end = questionEnd(r);
    if (end < 0 || end === 12) return CLASS_ERROR;
    const ancount = (r[6]! << 8) | r[7]!;
    // qname and qtype as latin1 text, case-folded (0x20 randomisation must not open new buckets).
    let q = '';
    for (let i = 12; i < end - 2; i++) {
      const b = r[i]!;
      q += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 32 : b);
    }
    return (ancount > 0 ? CLASS_ANSWER : CLASS_NODATA) + q;
  }
}

/**
 * Resolves server options into RRL settings: undefined (off) for `false` or
 * a rate of 0, else the defaults overlaid with what was given. Throws
 * DnsServerError E_DNS_RRL_INVALID on bad values.
 */
export function rrlSettings(opt: Partial<RrlOptions> | false | undefined): RrlOptions | undefined {
  if (opt === false) return undefined;
  const s: RrlOptions = { ...RRL_DEFAULTS, ...opt };
  const bad = (what: string) => new DnsServerError('E_DNS_RRL_INVALID', `response rate limiting: ${what}`);
  if (!Number.isFinite(s.ratePerSecond) || s.ratePerSecond < 0) throw bad(`rate must be a number ≥ 0 (0 = off), got ${s.ratePerSecond}`);
  if (!Number.isInteger(s.slip) || s.slip < 0 || s.slip > 10) throw bad(`slip must be an integer from 0 to 10, got ${s.slip}`);
  if (s.ipv4PrefixLength !== undefined && !(Number.isInteger(s.ipv4PrefixLength) && s.ipv4PrefixLength >= 8 && s.ipv4PrefixLength <= 32)) throw bad('ipv4PrefixLength must be 8..32');
  if (s.ipv6PrefixLength !== undefined && !(Number.isInteger(s.ipv6PrefixLength) && s.ipv6PrefixLength >= 16 && s.ipv6PrefixLength <= 128)) throw bad('ipv6PrefixLength must be 16..128');
  for (const e of s.exempt ?? []) {
    if (parseCidr(e.includes('/') ? e : `${e}/${e.includes(':') ? 128 : 32}`) === null) throw bad(`exempt entry "${e}" is not an IP address or CIDR block (e.g. 127.0.0.0/8)`);
  }
  return s.ratePerSecond === 0 ? undefined : s;
}

/** Adds RRL counters (cluster mode sums the workers'). */
export function addRrlCounts(into: RrlCounts, from: RrlCounts | undefined): RrlCounts {
  if (from) {
    into.dropped += from.dropped;
    into.slipped += from.slipped;
  }
  return into;
}
