/**
 * The answer plane: every authoritative answer for one (policy, routing
 * table), precomputed as wire templates, and the per-query path that turns a
 * query into a response by parsing the header and question, looking up a
 * template, copying it and patching the id, flags, question case and OPT.
 *
 * Runtime-neutral (Uint8Array only) so the DNS server and the Worker's DoH
 * endpoint answer byte for byte the same way.
 */
import type { Edge, Policy, Service, Zone } from '@edgesteer/policy/neutral';
import { parseIp } from '@edgesteer/policy/neutral';
import { CLASS, EDE, EDNS_OPTION, LIMIT, RCODE, TYPE } from './constants.js';
import { canonicalName, isSubdomain, nameKey } from './name.js';
import { expandName, PARSE, QueryInfo, parseQueryInto } from './query.js';
import { RegionLookup, type RegionMatcherLike } from './region-lookup.js';
import { buildTemplate, templateSet, type RecordSpec, type Template, type TemplateSet } from './templates.js';
import { WireWriter } from './writer.js';

/** How a response travels; only UDP is size-limited. */
export type Transport = 'udp' | 'tcp' | 'doh';

/** Filled in by {@link AnswerPlane.answer} when passed in `opts.info` (for metrics). */
export interface AnswerInfo {
  /** Full rcode of the response (0-16), or -1 when the query was dropped. */
  rcode: number;
  /** Service id when the name is a steered name. */
  service: string | undefined;
  /** Client region when the answer depended on it. */
  region: string | undefined;
  /** TC bit set. */
  truncated: boolean;
}

export interface AnswerOptions {
  transport: Transport;
  /** Largest UDP response we send and the size we advertise in OPT (default 1232). */
  maxUdp?: number;
  /** Output allocator, e.g. Node's Buffer.allocUnsafe (every byte is written). Default: new Uint8Array. */
  alloc?: (size: number) => Uint8Array;
  /** Receives rcode/service/region of the answer. */
  info?: AnswerInfo;
  /** This server's NSID (RFC 5001), sent to queries whose OPT asks for it. */
  nsid?: Uint8Array;
  /** The data behind the answers is stale: answers carry EDE 3 "Stale Answer" (RFC 8914) when the query has EDNS. */
  stale?: boolean;
}

/** One region's answer in a routing table: the edge ids to answer, best first. */
export interface AnswerRoute {
  answer: readonly string[];
}

/**
 * What the plane reads from a routing table. The codec does not depend on the
 * decision engine: core's `RoutingTable` has this shape (and more).
 */
export interface AnswerTable {
  version: number;
  hash: string;
  generatedAt: number;
  services: Readonly<Record<string, { regions: Readonly<Record<string, AnswerRoute | undefined>> } | undefined>>;
}

export interface AnswerPlaneOptions {
  /** Client region matcher, e.g. `buildRegionMatcher(policy)` of @edgesteer/core. */
  matcher: RegionMatcherLike;
  /**
   * Routes for a service missing from the table (every edge assumed up), e.g.
   * `(at) => tableForPolicy(policy, at)` of @edgesteer/core. Without it such a
   * service answers NODATA (with a warning).
   */
  assumeUp?: (generatedAt: number) => AnswerTable;
  /** Default for AnswerOptions.maxUdp. */
  maxUdp?: number;
  /**
   * Answer steered names with SERVFAIL instead of from the table: a plane
   * that does not know yet which edges are up (unsynced, policy
   * health.unsynced: servfail) sends resolvers to another plane rather than
   * guess. Zone data (SOA, NS, NXDOMAIN) is answered as usual.
   */
  holdSteered?: boolean;
}

interface NameNode {
  name: string;
  zone: CompiledZone;
  /** Empty non-terminal: exists only because names below it do. */
  ent: boolean;
  service: string | undefined;
  records: Map<number, Template[]>;
  sets: Map<number, TemplateSet>;
  nodata: TemplateSet;
  any: TemplateSet;
}

interface CompiledZone {
  zone: Zone;
  apex: string;
  serial: number;
  /** NXDOMAIN body: the SOA record after its owner name (the owner is a pointer written per query). */
  negative: Template;
}

const HINFO_RFC8482 = new Uint8Array([7, 0x52, 0x46, 0x43, 0x38, 0x34, 0x38, 0x32, 0]);
const NO_TEMPLATE: Template = { rcode: 0, aa: false, body: new Uint8Array(0), an: 0, ns: 0, ar: 0, bodyNoAdditional: null, service: undefined };
const defaultAlloc = (n: number): Uint8Array => new Uint8Array(n);

function soaRecord(z: CompiledZone, owner: string, ttl: number, compress = true): RecordSpec {
  const s = z.zone.soa;
  return {
    name: owner,
    type: TYPE.SOA,
    ttl,
    rdata: (w) => w.name(s.mname, compress).name(s.rname, compress).u32(z.serial).u32(s.refresh).u32(s.retry).u32(s.expire).u32(s.minimum),
  };
}

function addressRecord(name: string, ttl: number, text: string): RecordSpec | null {
  const ip = parseIp(text);
  if (!ip) return null;
  return { name, type: ip.family === 4 ? TYPE.A : TYPE.AAAA, ttl, rdata: (w) => w.bytes(ip.bytes) };
}

function negativeTtl(z: CompiledZone): number {
  // RFC 2308 §3: the SOA's TTL in a negative answer is min(SOA TTL, MINIMUM).
  return Math.min(z.zone.ttl, z.zone.soa.minimum);
}

/** Precomputed answers for one policy and routing table. Immutable: swap the whole plane on change. */
export class AnswerPlane {
  /** Routing table version the plane was built from. */
  readonly version: number;
  /** Routing table content hash. */
  readonly hash: string;
  /** Things that did not fit together (e.g. a service missing from the table); for logs. */
  readonly warnings: string[] = [];
  /** Region ids, in policy order (index = template index). */
  readonly regions: readonly string[];
  /** Number of names and templates, for logs. */
  readonly stats = { names: 0, templates: 0 };
  private readonly names = new Map<string, NameNode>();
  private readonly zonesByKey = new Map<string, CompiledZone>();
  private readonly lookup: RegionLookup;
  private readonly maxUdp: number;
  private readonly q = new QueryInfo();
  /** See AnswerPlaneOptions.holdSteered. */
  readonly holdSteered: boolean;
  private readonly assumeUp: ((generatedAt: number) => AnswerTable) | undefined;

  constructor(
    readonly policy: Policy,
    readonly table: AnswerTable,
    options: AnswerPlaneOptions,
  ) {
    this.version = table.version;
    this.hash = table.hash;
    this.maxUdp = options.maxUdp ?? LIMIT.ednsUdp;
    this.holdSteered = options.holdSteered === true;
    this.assumeUp = options.assumeUp;
    this.regions = policy.regions.map((r) => r.id);
    const regionIndex = new Map(this.regions.map((id, i) => [id, i] as const));
    const defaultId = policy.regions.find((r) => r.default)?.id ?? this.regions[0]!;
    this.lookup = new RegionLookup(options.matcher, regionIndex, regionIndex.get(defaultId) ?? 0);
    this.compile();
  }

  /** SOA serial of a zone (the policy's fixed serial or the table version). */
  serialOf(zone: Zone): number {
    return zone.soa.serial ?? this.table.version >>> 0;
  }

  private zoneFor(name: string): CompiledZone | undefined {
    let best: CompiledZone | undefined;
    for (const z of this.zonesByKey.values()) {
      if (isSubdomain(name, z.apex) && (!best || z.apex.length > best.apex.length)) best = z;
    }
    return best;
  }

  private node(name: string, zone: CompiledZone): NameNode {
    const key = nameKey(name);
    let n = this.names.get(key);
    if (!n) {
      const empty: TemplateSet = { regional: false, byRegion: [] };
      n = { name, zone, ent: false, service: undefined, records: new Map(), sets: new Map(), nodata: empty, any: empty };
      this.names.set(key, n);
    }
    return n;
  }

  private compile(): void {
    const policy = this.policy;
    const regionCount = this.regions.length;
    for (const zone of policy.zones) {
      const apex = canonicalName(zone.name);
      const z: CompiledZone = { zone, apex, serial: this.serialOf(zone), negative: NO_TEMPLATE };
      const w = new WireWriter(128);
      // Written on its own: its names must not point into this scratch buffer.
      const soa = soaRecord(z, '', negativeTtl(z), false);
      w.u16(TYPE.SOA).u16(CLASS.IN).u32(soa.ttl).u16(0);
      soa.rdata(w);
      const tail = w.finish();
      new DataView(tail.buffer).setUint16(8, tail.length - 10);
      z.negative = { rcode: RCODE.NXDOMAIN, aa: true, body: tail, an: 0, ns: 1, ar: 0, bodyNoAdditional: null, service: undefined };
      this.zonesByKey.set(nameKey(apex), z);
    }
    const ourName = (n: string) => this.zoneFor(canonicalName(n)) !== undefined;

    // Apex: SOA and NS, with addresses of in-zone nameservers as additional data.
    for (const z of this.zonesByKey.values()) {
      const apexNode = this.node(z.apex, z);
      const ttl = z.zone.ttl;
      const all = (t: Template) => Array.from({ length: regionCount }, () => t);
      apexNode.records.set(TYPE.SOA, all(buildTemplate(z.apex, RCODE.NOERROR, { answer: [soaRecord(z, z.apex, ttl)] }, undefined)));
      const ns: RecordSpec[] = z.zone.nameservers.map((s) => ({ name: z.apex, type: TYPE.NS, ttl, rdata: (w) => w.name(s.name) }));
      const glue: RecordSpec[] = [];
      for (const s of z.zone.nameservers) {
        if (!ourName(s.name)) continue;
        for (const a of [...s.ipv4, ...s.ipv6]) {
          const r = addressRecord(s.name, ttl, a);
          if (r) glue.push(r);
        }
      }
      apexNode.records.set(TYPE.NS, all(buildTemplate(z.apex, RCODE.NOERROR, { answer: ns, additional: glue }, undefined)));
    }

    // Nameserver names inside our zones answer their own addresses.
    for (const z of this.zonesByKey.values()) {
      for (const s of z.zone.nameservers) {
        const name = canonicalName(s.name);
        const nz = this.zoneFor(name);
        if (!nz) continue;
        const n = this.node(name, nz);
        for (const [type, addrs] of [[TYPE.A, s.ipv4], [TYPE.AAAA, s.ipv6]] as const) {
          if (addrs.length === 0 || n.records.has(type)) continue;
          const rrs = addrs.map((a) => addressRecord(name, nz.zone.ttl, a)).filter((r): r is RecordSpec => r !== null);
          const t = buildTemplate(name, RCODE.NOERROR, { answer: rrs }, undefined);
          n.records.set(type, Array.from({ length: regionCount }, () => t));
        }
      }
    }

    // Steered names: A/AAAA per client region from the routing table.
    const edges = new Map<string, Edge>(policy.edges.map((e) => [e.id, e]));
    let assumeUp: AnswerTable | undefined;
    for (const svc of policy.services) {
      const name = canonicalName(svc.name);
      const z = this.zoneFor(name);
      if (!z) {
        this.warnings.push(`service ${svc.id}: ${svc.name} is outside every zone; not answered`);
        continue;
      }
      const n = this.node(name, z);
      n.service = svc.id;
      let routes = this.table.services[svc.id];
      if (!routes) {
        this.warnings.push(
          `service ${svc.id} is missing from routing table ${this.table.version}; ${this.assumeUp ? 'answering all its edges as up' : 'answering NODATA'}`,
        );
        assumeUp ??= this.assumeUp?.(this.table.generatedAt);
        routes = assumeUp?.services[svc.id];
      }
      for (const type of [TYPE.A, TYPE.AAAA]) {
        if (!svc.types.includes(type === TYPE.A ? 'A' : 'AAAA')) continue;
        const perRegion: Template[] = [];
        for (const region of this.regions) {
          const entry = routes?.regions[region];
          if (!entry) this.warnings.push(`service ${svc.id}: no route for region ${region} in table ${this.table.version}`);
          const rrs = this.steeredRecords(svc, name, type, entry?.answer ?? [], edges);
          perRegion.push(
            rrs.length > 0
              ? buildTemplate(name, RCODE.NOERROR, { answer: rrs }, svc.id)
              : buildTemplate(name, RCODE.NOERROR, { authority: [soaRecord(z, z.apex, negativeTtl(z))] }, svc.id),
          );
        }
        n.records.set(type, perRegion);
      }
    }

    // Empty non-terminals between a name and its zone apex exist (NODATA, not NXDOMAIN; RFC 8020).
    for (const n of [...this.names.values()]) {
      let parent = n.name;
      while (parent !== n.zone.apex) {
        parent = parent.slice(parent.indexOf('.') + 1);
        const key = nameKey(parent);
        if (this.names.has(key)) continue;
        this.node(parent, n.zone).ent = true;
      }
    }

    for (const n of this.names.values()) {
      const z = n.zone;
      const nodata = buildTemplate(n.name, RCODE.NOERROR, { authority: [soaRecord(z, z.apex, negativeTtl(z))] }, n.service);
      n.nodata = { regional: false, byRegion: [nodata] };
      n.any = n.ent
        ? n.nodata
        : {
            regional: false,
            // RFC 8482 §4.2: a synthesized HINFO instead of every RRset.
            byRegion: [buildTemplate(n.name, RCODE.NOERROR, { answer: [{ name: n.name, type: TYPE.HINFO, ttl: z.zone.ttl, rdata: (w) => w.bytes(HINFO_RFC8482) }] }, n.service)],
          };
      for (const [type, perRegion] of n.records) n.sets.set(type, templateSet(perRegion));
      this.stats.templates += 2;
      for (const s of n.sets.values()) this.stats.templates += s.byRegion.length;
    }
    this.stats.names = this.names.size;
  }

  private steeredRecords(svc: Service, name: string, type: number, answer: readonly string[], edges: Map<string, Edge>): RecordSpec[] {
    const out: RecordSpec[] = [];
    for (const id of answer) {
      const e = edges.get(id);
      if (!e) {
        this.warnings.push(`service ${svc.id}: table ${this.table.version} answers edge ${id}, which the policy does not define`);
        continue;
      }
      for (const a of type === TYPE.A ? e.ipv4 : e.ipv6) {
        const r = addressRecord(name, svc.ttl, a);
        if (r) out.push(r);
      }
    }
    return out;
  }

  /**
   * Answers one query. Returns the response bytes, or null when the packet
   * deserves no answer (shorter than a header, or itself a response).
   * `client` is the source address (text or 4/16 bytes); EDNS Client Subnet,
   * when present, takes precedence for the region.
   */
  answer(msg: Uint8Array, client: string | Uint8Array, opts: AnswerOptions): Uint8Array | null {
    const q = this.q;
    const st = parseQueryInto(msg, q);
    const info = opts.info;
    if (info) {
      info.service = undefined;
      info.region = undefined;
      info.truncated = false;
    }
    if (st !== PARSE.OK) {
      if (st === PARSE.DROP) {
        if (info) info.rcode = -1;
        return null;
      }
      if (st === PARSE.BADVERS) return this.emit(q, opts, RCODE.BADVERS, false, null, true, 0, -1, -1, null);
      if (st === PARSE.TSIG) {
        // We hold no TSIG keys: NOTAUTH with an unsigned BADKEY TSIG (RFC 8945 §5.2.2), as Knot answers.
        const tsig = badKeyTsig(msg, q);
        if (tsig !== null) return this.emit(q, opts, RCODE.NOTAUTH, false, null, true, 0, -1, -1, tsig);
        return this.emit(q, opts, RCODE.FORMERR, false, null, true, 0, -1, -1, null);
      }
      // The question is echoed when it was read; the OPT whenever the query's OPT parsed (RFC 6891 §7).
      const rcode = st === PARSE.NOTIMP ? RCODE.NOTIMP : RCODE.FORMERR;
      return this.emit(q, opts, rcode, false, null, q.questionOk, 0, -1, -1, null);
    }
    const qtype = q.qtype;
    if (qtype === TYPE.OPT) return this.emit(q, opts, RCODE.FORMERR, false, null, true, 0, -1, -1, null);
    if (q.qclass !== CLASS.IN && q.qclass !== CLASS.ANY) return this.emit(q, opts, RCODE.REFUSED, false, null, true, 0, -1, -1, null);

    const node = this.names.get(q.key);
    if (node === undefined) {
      // Closest enclosing zone: NXDOMAIN with its SOA, else not ours.
      for (let i = 1; i < q.labelCount; i++) {
        const start = q.labelStarts[i]!;
        const z = this.zonesByKey.get(q.key.substring(start));
        if (z !== undefined) {
          const meta = this.metaRcode(qtype, opts.transport);
          if (meta >= 0) return this.emit(q, opts, meta, false, null, true, 0, -1, -1, null);
          return this.emit(q, opts, RCODE.NXDOMAIN, true, z.negative, true, 0, LIMIT.header + start, opts.stale ? EDE.STALE_ANSWER : -1, null);
        }
      }
      return this.emit(q, opts, RCODE.REFUSED, false, null, true, 0, -1, EDE.NOT_AUTHORITATIVE, null);
    }
    let set = node.sets.get(qtype);
    if (set === undefined) {
      if (qtype === TYPE.ANY) set = node.any;
      else {
        const meta = this.metaRcode(qtype, opts.transport);
        if (meta >= 0) return this.emit(q, opts, meta, false, null, true, 0, -1, -1, null);
        set = node.nodata;
      }
    }
    let t: Template;
    let scope = 0;
    if (set.regional) {
      if (this.holdSteered) return this.emit(q, opts, RCODE.SERVFAIL, false, null, true, 0, -1, EDE.NOT_READY, null);
      const packed = q.hasEcs ? this.lookup.ecs(q.ecsFamily, q.ecsAddr, q.ecsSource) : this.lookup.source(client);
      const idx = packed >> 8;
      scope = packed & 0xff;
      t = set.byRegion[idx] ?? set.byRegion[0]!;
      if (info) info.region = this.regions[idx];
    } else {
      t = set.byRegion[0]!;
    }
    if (info) info.service = t.service;
    return this.emit(q, opts, t.rcode, t.aa, t, true, scope, -1, opts.stale ? EDE.STALE_ANSWER : -1, null);
  }

  /**
   * Rcode for query types that are not data types (RFC 6895 §3.1), or -1
   * for a normal lookup. Zone transfers are not offered: NOTAUTH (this
   * client is not authorised to transfer), except AXFR over UDP, which
   * RFC 5936 §4.2 does not define: NOTIMP. Both as Knot DNS answers.
   */
  private metaRcode(qtype: number, transport: Transport): number {
    if (qtype === TYPE.IXFR) return RCODE.NOTAUTH;
    if (qtype === TYPE.AXFR) return transport === 'udp' ? RCODE.NOTIMP : RCODE.NOTAUTH;
    if (qtype === 0 || qtype === 65535 || (qtype >= 128 && qtype < 255)) return RCODE.NOTIMP;
    return -1;
  }

  /**
   * Writes a response: header, the query's question (its case), a body, and
   * OPT (with the ECS echo) when the query had EDNS. Applies the UDP size
   * limit: first drop additional data, then send TC with no records.
   * `pointerTarget` >= 0: the body starts with a compression pointer to that
   * offset (the zone apex inside the question: the NXDOMAIN SOA's owner).
   * `ede` >= 0: an Extended DNS Error option with that info code (EDNS
   * queries only). `tail`: one more additional record after the OPT (the
   * BADKEY TSIG, which must be last).
   */
  private emit(
    q: QueryInfo,
    opts: AnswerOptions,
    rcode: number,
    aa: boolean,
    t: Template | null,
    withQuestion: boolean,
    scope: number,
    pointerTarget: number,
    ede: number,
    tail: Uint8Array | null,
  ): Uint8Array {
    const maxUdp = opts.maxUdp ?? this.maxUdp;
    const edns = q.hasEdns;
    // ECS is echoed on answers only (RFC 7871 §7.2.2 covers FORMERR for a bad option; BADVERS speaks version 0).
    const ecs = edns && q.hasEcs && rcode !== RCODE.BADVERS && rcode !== RCODE.FORMERR;
    const addrLen = (q.ecsSource + 7) >> 3;
    const nsid = edns && q.nsid && opts.nsid !== undefined ? opts.nsid : null;
    const ecsLen = ecs ? 8 + addrLen : 0;
    const nsidLen = nsid === null ? 0 : 4 + nsid.length;
    const edeLen = edns && ede >= 0 ? 6 : 0;
    const rdlen = ecsLen + nsidLen + edeLen;
    const optLen = (edns ? 11 + rdlen : 0) + (tail === null ? 0 : tail.length);
    const qLen = withQuestion ? q.qnameLen + 4 : 0;
    const ptrLen = pointerTarget >= 0 ? 2 : 0;
    let b = t === null ? null : t.body;
    let blen = b === null ? 0 : ptrLen + b.length;
    let an = t === null ? 0 : t.an;
    let ns = t === null ? 0 : t.ns;
    let ar = t === null ? 0 : t.ar;
    let tc = false;
    if (opts.transport === 'udp') {
      let limit: number = LIMIT.classicUdp;
      if (q.hasEdns) limit = Math.min(Math.max(q.udpSize, LIMIT.classicUdp), maxUdp);
      if (LIMIT.header + qLen + blen + optLen > limit) {
        const noAdditional = t === null ? null : t.bodyNoAdditional;
        if (noAdditional !== null && LIMIT.header + qLen + ptrLen + noAdditional.length + optLen <= limit) {
          b = noAdditional;
          blen = ptrLen + b.length;
          ar = 0;
        } else {
          tc = true;
          b = null;
          blen = 0;
          an = ns = ar = 0;
        }
      }
    }
    const total = LIMIT.header + qLen + blen + optLen;
    const out = (opts.alloc ?? defaultAlloc)(total);
    const f = q.flags;
    out[0] = q.id >> 8;
    out[1] = q.id & 0xff;
    // QR, the query's opcode and RD; AA/TC as decided; RA never (no recursion).
    out[2] = 0x80 | ((f >> 8) & 0x79) | (aa ? 0x04 : 0) | (tc ? 0x02 : 0);
    // CD copied (not on NOTIMP: nothing was checked or not), RCODE low bits.
    out[3] = (rcode === RCODE.NOTIMP ? 0 : f & 0x10) | (rcode & 0x0f);
    out[4] = 0;
    out[5] = withQuestion ? 1 : 0;
    out[6] = an >> 8;
    out[7] = an & 0xff;
    out[8] = ns >> 8;
    out[9] = ns & 0xff;
    const arTotal = ar + (edns ? 1 : 0) + (tail === null ? 0 : 1);
    out[10] = arTotal >> 8;
    out[11] = arTotal & 0xff;
    let o = LIMIT.header;
    if (withQuestion) {
      const qn = q.qname;
      for (let i = 0, n = q.qnameLen; i < n; i++) out[o++] = qn[i]!;
      out[o++] = q.qtype >> 8;
      out[o++] = q.qtype & 0xff;
      out[o++] = q.qclass >> 8;
      out[o++] = q.qclass & 0xff;
    }
    if (b !== null) {
      if (ptrLen !== 0) {
        out[o++] = 0xc0 | (pointerTarget >> 8);
        out[o++] = pointerTarget & 0xff;
      }
      out.set(b, o);
      o += b.length;
    }
    if (edns) {
      out[o++] = 0; // root owner
      out[o++] = 0;
      out[o++] = TYPE.OPT;
      out[o++] = maxUdp >> 8;
      out[o++] = maxUdp & 0xff;
      out[o++] = rcode >> 4; // extended rcode
      out[o++] = 0; // version
      out[o++] = q.dnssecOk ? 0x80 : 0;
      out[o++] = 0;
      out[o++] = rdlen >> 8;
      out[o++] = rdlen & 0xff;
      if (ecs) {
        out[o++] = 0;
        out[o++] = 8; // ECS
        out[o++] = 0;
        out[o++] = 4 + addrLen;
        out[o++] = 0;
        out[o++] = q.ecsFamily;
        out[o++] = q.ecsSource;
        out[o++] = scope;
        const a = q.ecsAddr;
        for (let i = 0; i < addrLen; i++) out[o++] = a[i]!;
      }
      if (nsid !== null) {
        out[o++] = 0;
        out[o++] = EDNS_OPTION.NSID;
        out[o++] = nsid.length >> 8;
        out[o++] = nsid.length & 0xff;
        out.set(nsid, o);
        o += nsid.length;
      }
      if (edeLen !== 0) {
        out[o++] = 0;
        out[o++] = EDNS_OPTION.EDE;
        out[o++] = 0;
        out[o++] = 2;
        out[o++] = ede >> 8;
        out[o++] = ede & 0xff;
      }
    }
    if (tail !== null) {
      out.set(tail, o);
      o += tail.length;
    }
    const info = opts.info;
    if (info) {
      info.rcode = rcode;
      info.truncated = tc;
    }
    return out;
  }
}

/**
 * The TSIG record of a BADKEY error reply (RFC 8945 §5.2.2, §5.3.2): the
 * query's key and algorithm names (uncompressed), its time signed, fudge
 * and original id, no MAC, error BADKEY. Null when the query's TSIG is
 * malformed (then FORMERR).
 */
function badKeyTsig(msg: Uint8Array, q: QueryInfo): Uint8Array | null {
  const key = expandName(msg, q.tsigOwner);
  const alg = expandName(msg, q.tsigRdata);
  if (key === null || alg === null) return null;
  const end = q.tsigRdata + q.tsigRdlen;
  let p = q.tsigRdata;
  // Skip the algorithm name as it sits in the query (it may be compressed).
  while (p < end && msg[p]! !== 0 && msg[p]! < 0xc0) p += 1 + msg[p]!;
  p += p < end && msg[p]! >= 0xc0 ? 2 : 1;
  const fixed = p; // time signed (6), fudge (2), MAC size (2)
  if (fixed + 10 > end) return null;
  const macSize = (msg[fixed + 8]! << 8) | msg[fixed + 9]!;
  const orig = fixed + 10 + macSize;
  if (orig + 6 > end) return null;
  const rdlen = alg.length + 16;
  const out = new Uint8Array(key.length + 10 + rdlen);
  let o = 0;
  out.set(key, o);
  o += key.length;
  out.set([TYPE.TSIG >> 8, TYPE.TSIG & 0xff, 0, CLASS.ANY, 0, 0, 0, 0, rdlen >> 8, rdlen & 0xff], o);
  o += 10;
  out.set(alg, o);
  o += alg.length;
  out.set(msg.subarray(fixed, fixed + 8), o); // time signed and fudge, as sent
  o += 8;
  out.set([0, 0, msg[orig]!, msg[orig + 1]!, 0, RCODE.BADKEY, 0, 0], o); // no MAC, original id, BADKEY, no other data
  return out;
}

/**
 * Builds the answer plane for a policy and a routing table; the caller
 * supplies the region matcher (and optionally the assume-up routes).
 */
export function buildAnswerPlane(policy: Policy, table: AnswerTable, options: AnswerPlaneOptions): AnswerPlane {
  return new AnswerPlane(policy, table, options);
}
