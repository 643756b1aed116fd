/**
 * A Route53-compatible HTTP server for tests, speaking the real REST-XML API
 * (2013-04-01) so it is driven only through @aws-sdk/client-route-53:
 *
 *   GET    /2013-04-01/hostedzone/{Id}                 GetHostedZone
 *   POST   /2013-04-01/hostedzone/{Id}/rrset           ChangeResourceRecordSets
 *   GET    /2013-04-01/hostedzone/{Id}/rrset           ListResourceRecordSets (name/type/identifier/maxitems paging)
 *   GET    /2013-04-01/change/{Id}                     GetChange (PENDING, then INSYNC)
 *   POST   /2013-04-01/healthcheck                     CreateHealthCheck (CallerReference idempotency)
 *   GET    /2013-04-01/healthcheck                     ListHealthChecks (marker/maxitems paging)
 *   GET    /2013-04-01/healthcheck/{Id}                GetHealthCheck
 *   POST   /2013-04-01/healthcheck/{Id}                UpdateHealthCheck (HealthCheckVersion locking)
 *   DELETE /2013-04-01/healthcheck/{Id}                DeleteHealthCheck (HealthCheckInUse)
 *   POST   /2013-04-01/tags/{Type}/{Id}                ChangeTagsForResource
 *   GET    /2013-04-01/tags/{Type}/{Id}                ListTagsForResource
 *   POST   /2013-04-01/tags/{Type}                     ListTagsForResources (≤ 10 ids)
 *   POST   /2013-04-01/cidrcollection                  CreateCidrCollection (name 1–64 [0-9A-Za-z_-], CallerReference)
 *   GET    /2013-04-01/cidrcollection                  ListCidrCollections
 *   POST   /2013-04-01/cidrcollection/{Id}             ChangeCidrCollection (≤ 1,000 blocks per request,
 *                                                      CollectionVersion conflict → CidrCollectionVersionMismatchException,
 *                                                      a location's last block in use by a record → CidrBlockInUseException)
 *   GET    /2013-04-01/cidrcollection/{Id}             ListCidrLocations
 *   GET    /2013-04-01/cidrcollection/{Id}/cidrblocks  ListCidrBlocks (?location=)
 *   DELETE /2013-04-01/cidrcollection/{Id}             DeleteCidrCollection (CidrCollectionInUseException while non-empty or used)
 *
 * Batch rules are in route53/change-batch.ts. Errors use Route53's two
 * documents: `<ErrorResponse><Error><Type>Sender</Type><Code>…` and, for
 * rejected changes, `<InvalidChangeBatch><Messages><Message>…`. Faults
 * (Throttling, PriorRequestNotComplete, 5xx, anything) are injected by rate
 * (seeded), count or position. Every call is logged for assertions.
 *
 * Requests must carry a SigV4 Authorization header (the SDK's); signatures
 * are not verified. Listens on 127.0.0.1, ephemeral port.
 */
import http from 'node:http';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { seededRandom } from '@edgesteer/probes';
import { applyBatch, type ParsedChange } from './route53/change-batch.js';
import { evaluate, type EvalClient, type EvalResult, type HealthInput } from './route53/evaluate.js';
import {
  configFieldsFromXml,
  configProblems,
  healthCheckToXml,
  withDefaults,
  type StoredHealthCheck,
  type StoredHealthCheckConfig,
} from './route53/health-checks.js';
import { compareListing, keyOf, normName, recordFromXml, recordToXml, type StoredRecord } from './route53/records.js';
import { child, childrenNamed, doc, el, parseXml, textOf } from './route53/xml.js';

export type { StoredRecord } from './route53/records.js';
export type { StoredHealthCheck } from './route53/health-checks.js';
export type { EvalClient, EvalResult, HealthInput } from './route53/evaluate.js';

/** A fault to inject. Matching calls get the error instead of being served. */
export interface FaultSpec {
  /** Operation name(s), e.g. 'ChangeResourceRecordSets'; default every operation. */
  op?: string | string[];
  /** Error code, e.g. Throttling, PriorRequestNotComplete, ServiceUnavailable, InternalFailure. */
  code: string;
  /** HTTP status; default 400 for Throttling/PriorRequestNotComplete, 503 ServiceUnavailable, 500 InternalFailure/InternalError, else 400. */
  status?: number;
  message?: string;
  /** Probability per matching call (seeded PRNG); default 1. */
  rate?: number;
  /** Fire at most this many times. */
  times?: number;
  /** Let this many matching calls through first. */
  after?: number;
}

/** A live fault. */
export interface FaultHandle {
  readonly fired: number;
  remove(): void;
}

/** One logged call. */
export interface CallLogEntry {
  op: string;
  method: string;
  path: string;
  status: number;
  /** Error code when status ≥ 400. */
  code?: string;
  /** Whether the response came from an injected fault. */
  injected: boolean;
  at: number;
  /** ChangeResourceRecordSets: number of changes in the request. */
  changes?: number;
  /** Time spent serving the call, ms. */
  ms?: number;
}

/** Endpoint settings. */
export interface Route53EndpointOptions {
  /** A change turns INSYNC this long after submission… */
  insyncAfterMs?: number;
  /** …and after this many GetChange calls that returned PENDING. Default 0. */
  insyncAfterPolls?: number;
  /** Largest page ListResourceRecordSets returns (Route53: 300). */
  maxRecordsPerPage?: number;
  /** Largest page ListHealthChecks returns (Route53: 1000). */
  maxHealthChecksPerPage?: number;
  /** Seed of the fault PRNG. */
  seed?: number;
  /** When set, CLOUDWATCH_METRIC health checks must name an existing alarm. */
  alarmExists?: (region: string, name: string) => boolean;
}

/** The running endpoint. */
export interface Route53Endpoint {
  url: string;
  /** Creates a hosted zone with SOA and NS records; returns its id (Z…). */
  createZone(name: string, id?: string): string;
  /** Records of a zone, in listing order. */
  records(zoneId: string): StoredRecord[];
  /** Writes a record directly (test setup, bypassing the API and its rules). */
  putRecord(zoneId: string, record: StoredRecord): void;
  /** Health checks, in creation order. */
  healthChecks(): StoredHealthCheck[];
  /** CIDR collections: id → { name, version, locations: location → blocks }. */
  cidrCollections(): Array<{ id: string; name: string; version: number; locations: Map<string, Set<string>> }>;
  /** Every call so far. */
  readonly calls: CallLogEntry[];
  /** Number of calls, optionally of one operation. */
  callCount(op?: string): number;
  resetCalls(): void;
  injectFault(f: FaultSpec): FaultHandle;
  clearFaults(): void;
  /** What Route53 would answer; see route53/evaluate.ts. */
  evaluate(name: string, type: string, client: string | EvalClient, health?: HealthInput): EvalResult | undefined;
  close(): Promise<void>;
}

interface Zone {
  id: string;
  name: string;
  callerReference: string;
  records: Map<string, StoredRecord>;
  /** Listing order, computed on demand after each change. */
  sorted?: StoredRecord[];
}

interface Change {
  id: string;
  submittedAt: Date;
  comment?: string;
  polls: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messages?: string[],
  ) {
    super(message);
  }
}

const API = '/2013-04-01';

/** Starts the endpoint on 127.0.0.1 with an ephemeral port. */
export async function startRoute53Endpoint(opts: Route53EndpointOptions = {}): Promise<Route53Endpoint> {
  const zones = new Map<string, Zone>();
  const changes = new Map<string, Change>();
  const healthChecks = new Map<string, StoredHealthCheck>();
  const usedCallerRefs = new Map<string, string>(); // CallerReference → id ('' once deleted)
  interface CidrCol { id: string; name: string; version: number; callerReference: string; locations: Map<string, Set<string>> }
  const cidrs = new Map<string, CidrCol>();
  const cidrOr404 = (id: string): CidrCol => {
    const c = cidrs.get(id);
    if (!c) throw new ApiError(404, 'NoSuchCidrCollectionException', `The CIDR collection ${id} does not exist.`);
    return c;
  };
  const cidrInUse = (id: string, location?: string): string | undefined => {
    for (const z of zones.values()) {
      for (const r of z.records.values()) {
        if (r.CidrRoutingConfig?.CollectionId === id && (location === undefined || r.CidrRoutingConfig.LocationName === location)) return `${r.Name} ${r.Type} (${r.SetIdentifier ?? ''})`;
      }
    }
    return undefined;
  };
  const calls: CallLogEntry[] = [];
  const faults: Array<FaultSpec & { seen: number; fired: number }> = [];
  let rng = seededRandom(opts.seed ?? 1);
  let changeSeq = 0;

  const findFault = (op: string): (FaultSpec & { fired: number }) | undefined => {
    for (const f of faults) {
      const ops = f.op === undefined ? undefined : Array.isArray(f.op) ? f.op : [f.op];
      if (ops && !ops.includes(op)) continue;
      f.seen++;
      if (f.after !== undefined && f.seen <= f.after) continue;
      if (f.times !== undefined && f.fired >= f.times) continue;
      if (f.rate !== undefined && rng() >= f.rate) continue;
      f.fired++;
      return f;
    }
    return undefined;
  };

  const zoneOr404 = (id: string): Zone => {
    const z = zones.get(id.replace(/^\/?hostedzone\//, ''));
    if (!z) throw new ApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return z;
  };
  const hcOr404 = (id: string): StoredHealthCheck => {
    const h = healthChecks.get(id);
    if (!h) throw new ApiError(404, 'NoSuchHealthCheck', `A health check with id ${id} does not exist.`);
    return h;
  };
  const changeInfo = (c: Change, status: string) =>
    el('ChangeInfo', [el('Id', `/change/${c.id}`), el('Status', status), el('SubmittedAt', c.submittedAt.toISOString()), el('Comment', c.comment)]);

  type Handler = (m: RegExpExecArray, url: URL, body: string) => { status?: number; xml: string; headers?: Record<string, string> };
  const routes: Array<{ method: string; re: RegExp; op: string; handle: Handler }> = [
    {
      method: 'GET',
      re: /^\/hostedzone\/([^/]+)$/,
      op: 'GetHostedZone',
      handle: (m) => {
        const z = zoneOr404(m[1]!);
        return {
          xml: doc('GetHostedZoneResponse', [
            el('HostedZone', [
              el('Id', `/hostedzone/${z.id}`),
              el('Name', z.name),
              el('CallerReference', z.callerReference),
              el('Config', el('PrivateZone', false)),
              el('ResourceRecordSetCount', z.records.size),
            ]),
            el('DelegationSet', el('NameServers', [1, 2, 3, 4].map((i) => el('NameServer', `ns-${i}.awsdns-test.example`)))),
          ]),
        };
      },
    },
    {
      method: 'POST',
      re: /^\/hostedzone\/([^/]+)\/rrset\/?$/,
      op: 'ChangeResourceRecordSets',
      handle: (m, _url, body) => {
        const z = zoneOr404(m[1]!);
        const root = parseXml(body);
        const batch = child(root, 'ChangeBatch');
        const parsed: ParsedChange[] = childrenNamed(child(batch, 'Changes'), 'Change').map((c) => ({
          action: textOf(c, 'Action') ?? '',
          record: recordFromXml(child(c, 'ResourceRecordSet') ?? { name: 'ResourceRecordSet', children: [], text: '' }),
        }));
        const outcome = applyBatch(z.id, z.name, z.records, parsed, (id) => healthChecks.has(id), (id) => {
          const c = cidrs.get(id);
          return c ? { locations: new Set(c.locations.keys()) } : undefined;
        });
        if (!outcome.ok) {
          throw new ApiError(400, 'InvalidChangeBatch', outcome.messages.join('; '), outcome.form === 'messages' ? outcome.messages : undefined);
        }
        z.records = outcome.records;
        delete z.sorted;
        const c: Change = { id: `C${String(++changeSeq).padStart(8, '0')}${randomUUID().slice(0, 8).toUpperCase()}`, submittedAt: new Date(), polls: 0 };
        const comment = textOf(batch, 'Comment');
        if (comment !== undefined) c.comment = comment;
        changes.set(c.id, c);
        return { xml: doc('ChangeResourceRecordSetsResponse', changeInfo(c, 'PENDING')) };
      },
    },
    {
      method: 'GET',
      re: /^\/hostedzone\/([^/]+)\/rrset\/?$/,
      op: 'ListResourceRecordSets',
      handle: (m, url) => {
        const z = zoneOr404(m[1]!);
        const name = url.searchParams.get('name');
        const type = url.searchParams.get('type');
        const identifier = url.searchParams.get('identifier');
        if (type !== null && name === null) throw new ApiError(400, 'InvalidInput', 'The input is not valid: type requires name');
        if (identifier !== null && type === null) throw new ApiError(400, 'InvalidInput', 'The input is not valid: identifier requires name and type');
        const cap = Math.min(300, opts.maxRecordsPerPage ?? 300);
        const asked = Number(url.searchParams.get('maxitems') ?? cap);
        const max = Math.max(1, Math.min(cap, Number.isFinite(asked) ? asked : cap));
        const sorted = (z.sorted ??= [...z.records.values()].sort(compareListing));
        let from = 0;
        if (name !== null) {
          // First record at or after (name, type, identifier): binary search.
          const probe = { Name: normName(name), Type: type ?? '', ...(identifier !== null ? { SetIdentifier: identifier } : {}) };
          let hi = sorted.length;
          while (from < hi) {
            const mid = (from + hi) >>> 1;
            if (compareListing(sorted[mid]!, probe) < 0) from = mid + 1;
            else hi = mid;
          }
        }
        const page = sorted.slice(from, from + max);
        const next = sorted[from + max];
        return {
          xml: doc('ListResourceRecordSetsResponse', [
            el('ResourceRecordSets', page.map(recordToXml)),
            el('IsTruncated', next !== undefined),
            next ? el('NextRecordName', next.Name) : undefined,
            next ? el('NextRecordType', next.Type) : undefined,
            next?.SetIdentifier !== undefined ? el('NextRecordIdentifier', next.SetIdentifier) : undefined,
            el('MaxItems', max),
          ]),
        };
      },
    },
    {
      method: 'GET',
      re: /^\/change\/([^/]+)$/,
      op: 'GetChange',
      handle: (m) => {
        const id = m[1]!.replace(/^\/?change\//, '');
        const c = changes.get(id);
        if (!c) throw new ApiError(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${id}`);
        const old = Date.now() - c.submittedAt.getTime() >= (opts.insyncAfterMs ?? 0);
        const polled = c.polls >= (opts.insyncAfterPolls ?? 0);
        const status = old && polled ? 'INSYNC' : 'PENDING';
        if (status === 'PENDING') c.polls++;
        return { xml: doc('GetChangeResponse', changeInfo(c, status)) };
      },
    },
    {
      method: 'POST',
      re: /^\/healthcheck\/?$/,
      op: 'CreateHealthCheck',
      handle: (_m, _url, body) => {
        const root = parseXml(body);
        const ref = textOf(root, 'CallerReference');
        const cfgNode = child(root, 'HealthCheckConfig');
        if (!ref || !cfgNode) throw new ApiError(400, 'InvalidInput', 'CallerReference and HealthCheckConfig are required');
        const fields = configFieldsFromXml(cfgNode);
        if (!fields.Type) throw new ApiError(400, 'InvalidInput', 'HealthCheckConfig.Type is required');
        const config = withDefaults(fields as StoredHealthCheckConfig);
        const problems = configProblems(config, opts.alarmExists);
        if (problems.length > 0) throw new ApiError(400, 'InvalidInput', problems.join('; '));
        const prior = usedCallerRefs.get(ref);
        if (prior !== undefined) {
          const existing = healthChecks.get(prior);
          if (existing && JSON.stringify(existing.HealthCheckConfig) === JSON.stringify(config)) {
            return { status: 201, xml: doc('CreateHealthCheckResponse', healthCheckToXml(existing)), headers: { location: `https://route53.amazonaws.com${API}/healthcheck/${existing.Id}` } };
          }
          throw new ApiError(409, 'HealthCheckAlreadyExists', `A health check with CallerReference ${ref} already exists or existed, with other settings.`);
        }
        const h: StoredHealthCheck = { Id: randomUUID(), CallerReference: ref, HealthCheckVersion: 1, HealthCheckConfig: config, tags: new Map() };
        healthChecks.set(h.Id, h);
        usedCallerRefs.set(ref, h.Id);
        return { status: 201, xml: doc('CreateHealthCheckResponse', healthCheckToXml(h)), headers: { location: `https://route53.amazonaws.com${API}/healthcheck/${h.Id}` } };
      },
    },
    {
      method: 'GET',
      re: /^\/healthcheck\/?$/,
      op: 'ListHealthChecks',
      handle: (_m, url) => {
        const cap = Math.min(1000, opts.maxHealthChecksPerPage ?? 1000);
        const asked = Number(url.searchParams.get('maxitems') ?? 100);
        const max = Math.max(1, Math.min(cap, Number.isFinite(asked) ? asked : 100));
        const all = [...healthChecks.values()];
        const marker = url.searchParams.get('marker');
        let from = 0;
        if (marker) {
          from = all.findIndex((h) => h.Id === marker);
          if (from < 0) throw new ApiError(400, 'InvalidInput', `marker ${marker} is not a health check id`);
        }
        const page = all.slice(from, from + max);
        const next = all[from + max];
        return {
          xml: doc('ListHealthChecksResponse', [
            el('HealthChecks', page.map(healthCheckToXml)),
            el('Marker', marker ?? ''),
            el('IsTruncated', next !== undefined),
            next ? el('NextMarker', next.Id) : undefined,
            el('MaxItems', max),
          ]),
        };
      },
    },
    {
      method: 'GET',
      re: /^\/healthcheck\/([^/]+)$/,
      op: 'GetHealthCheck',
      handle: (m) => ({ xml: doc('GetHealthCheckResponse', healthCheckToXml(hcOr404(m[1]!))) }),
    },
    {
      method: 'POST',
      re: /^\/healthcheck\/([^/]+)$/,
      op: 'UpdateHealthCheck',
      handle: (m, _url, body) => {
        const h = hcOr404(m[1]!);
        const root = parseXml(body);
        const version = textOf(root, 'HealthCheckVersion');
        if (version !== undefined && Number(version) !== h.HealthCheckVersion) {
          throw new ApiError(409, 'HealthCheckVersionMismatch', `The value of HealthCheckVersion in the request (${version}) does not match the current version (${h.HealthCheckVersion}).`);
        }
        const fields = configFieldsFromXml(root);
        delete fields.Type;
        const next: StoredHealthCheckConfig = { ...h.HealthCheckConfig, ...fields };
        for (const r of childrenNamed(child(root, 'ResetElements'), 'ResettableElementName')) {
          const f = r.text.trim() as keyof StoredHealthCheckConfig;
          if (!['FullyQualifiedDomainName', 'Regions', 'ResourcePath', 'ChildHealthChecks'].includes(f)) throw new ApiError(400, 'InvalidInput', `${f} cannot be reset`);
          delete next[f];
        }
        const problems = configProblems(next, opts.alarmExists);
        if (problems.length > 0) throw new ApiError(400, 'InvalidInput', problems.join('; '));
        h.HealthCheckConfig = next;
        h.HealthCheckVersion++;
        return { xml: doc('UpdateHealthCheckResponse', healthCheckToXml(h)) };
      },
    },
    {
      method: 'DELETE',
      re: /^\/healthcheck\/([^/]+)$/,
      op: 'DeleteHealthCheck',
      handle: (m) => {
        const h = hcOr404(m[1]!);
        for (const z of zones.values()) {
          for (const r of z.records.values()) {
            if (r.HealthCheckId === h.Id) throw new ApiError(400, 'HealthCheckInUse', `The health check with id ${h.Id} is still referenced from resource record set ${r.Name} ${r.Type}${r.SetIdentifier !== undefined ? ` (${r.SetIdentifier})` : ''}.`);
          }
        }
        healthChecks.delete(h.Id);
        usedCallerRefs.set(h.CallerReference, '');
        return { xml: doc('DeleteHealthCheckResponse', []) };
      },
    },
    {
      method: 'POST',
      re: /^\/tags\/(healthcheck|hostedzone)\/([^/]+)$/,
      op: 'ChangeTagsForResource',
      handle: (m, _url, body) => {
        const tags = tagsOf(m[1]!, m[2]!);
        const root = parseXml(body);
        const next = new Map(tags);
        for (const k of childrenNamed(child(root, 'RemoveTagKeys'), 'Key')) next.delete(k.text.trim());
        for (const t of childrenNamed(child(root, 'AddTags'), 'Tag')) next.set(textOf(t, 'Key') ?? '', textOf(t, 'Value') ?? '');
        if (next.size > 10) throw new ApiError(400, 'InvalidInput', 'A resource can have at most 10 tags');
        tags.clear();
        for (const [k, v] of next) tags.set(k, v);
        return { xml: doc('ChangeTagsForResourceResponse', []) };
      },
    },
    {
      method: 'GET',
      re: /^\/tags\/(healthcheck|hostedzone)\/([^/]+)$/,
      op: 'ListTagsForResource',
      handle: (m) => ({ xml: doc('ListTagsForResourceResponse', tagSetXml(m[1]!, m[2]!)) }),
    },
    {
      method: 'POST',
      re: /^\/tags\/(healthcheck|hostedzone)\/?$/,
      op: 'ListTagsForResources',
      handle: (m, _url, body) => {
        const ids = childrenNamed(child(parseXml(body), 'ResourceIds'), 'ResourceId').map((x) => x.text.trim());
        if (ids.length === 0 || ids.length > 10) throw new ApiError(400, 'InvalidInput', 'ResourceIds must list 1 to 10 ids');
        return { xml: doc('ListTagsForResourcesResponse', el('ResourceTagSets', ids.map((id) => tagSetXml(m[1]!, id)))) };
      },
    },
    {
      method: 'POST',
      re: /^\/cidrcollection\/?$/,
      op: 'CreateCidrCollection',
      handle: (_m, _url, body) => {
        const root = parseXml(body);
        const name = textOf(root, 'Name') ?? '';
        const ref = textOf(root, 'CallerReference') ?? '';
        if (!/^[0-9A-Za-z_-]{1,64}$/.test(name)) throw new ApiError(400, 'InvalidInput', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z_\\-]+ and have length 1-64`);
        if (ref.length < 1 || ref.length > 64) throw new ApiError(400, 'InvalidInput', 'CallerReference must be 1-64 characters');
        for (const c of cidrs.values()) if (c.name === name) throw new ApiError(409, 'CidrCollectionAlreadyExistsException', `A CIDR collection with the name ${name} already exists.`);
        const c: CidrCol = { id: randomUUID(), name, version: 1, callerReference: ref, locations: new Map() };
        cidrs.set(c.id, c);
        return { status: 201, xml: doc('CreateCidrCollectionResponse', el('Collection', [el('Arn', `arn:aws:route53:::cidrcollection/${c.id}`), el('Id', c.id), el('Name', c.name), el('Version', c.version)])), headers: { location: `https://route53.amazonaws.com${API}/cidrcollection/${c.id}` } };
      },
    },
    {
      method: 'GET',
      re: /^\/cidrcollection\/?$/,
      op: 'ListCidrCollections',
      handle: () => ({
        xml: doc('ListCidrCollectionsResponse', el('CidrCollections', [...cidrs.values()].map((c) => el('member', [el('Arn', `arn:aws:route53:::cidrcollection/${c.id}`), el('Id', c.id), el('Name', c.name), el('Version', c.version)])))),
      }),
    },
    {
      method: 'POST',
      re: /^\/cidrcollection\/([^/]+)$/,
      op: 'ChangeCidrCollection',
      handle: (m, _url, body) => {
        const c = cidrOr404(m[1]!);
        const root = parseXml(body);
        const version = textOf(root, 'CollectionVersion');
        if (version !== undefined && Number(version) !== c.version) {
          throw new ApiError(409, 'CidrCollectionVersionMismatchException', `The CIDR collection version ${version} does not match the current version ${c.version}.`);
        }
        const changes = childrenNamed(child(root, 'Changes'), 'member').concat(childrenNamed(child(root, 'Changes'), 'CidrCollectionChange'));
        if (changes.length === 0) throw new ApiError(400, 'InvalidInput', 'Changes must list at least one change');
        let blocks = 0;
        const parsed = changes.map((ch) => {
          const location = textOf(ch, 'LocationName') ?? '';
          const action = textOf(ch, 'Action') ?? '';
          const list = childrenNamed(child(ch, 'CidrList'), 'Cidr').concat(childrenNamed(child(ch, 'CidrList'), 'member')).map((x) => x.text.trim());
          if (!/^[0-9A-Za-z_-]{1,16}$/.test(location)) throw new ApiError(400, 'InvalidInput', `LocationName '${location}' must be 1-16 characters of [0-9A-Za-z_-]`);
          if (action !== 'PUT' && action !== 'DELETE_IF_EXISTS') throw new ApiError(400, 'InvalidInput', `Action must be PUT or DELETE_IF_EXISTS, got ${action}`);
          if (list.length < 1 || list.length > 1000) throw new ApiError(400, 'InvalidInput', 'CidrList must have 1-1000 members');
          for (const b of list) if (!validCidr(b)) throw new ApiError(400, 'InvalidCidrBlock', `${b} is not a valid CIDR block in its network form`);
          blocks += list.length;
          return { location, action, list };
        });
        if (blocks > 1000) throw new ApiError(400, 'LimitsExceededException', `A request can change at most 1000 CIDR blocks; this one changes ${blocks}.`);
        // Atomic: work on a copy.
        const next = new Map([...c.locations].map(([k, v]) => [k, new Set(v)]));
        for (const p of parsed) {
          let set = next.get(p.location);
          if (p.action === 'PUT') {
            if (!set) next.set(p.location, (set = new Set()));
            for (const b of p.list) set.add(b);
          } else if (set) {
            for (const b of p.list) set.delete(b);
            if (set.size === 0) next.delete(p.location);
          }
        }
        for (const loc of c.locations.keys()) {
          if (next.has(loc)) continue;
          const user = cidrInUse(c.id, loc);
          if (user) throw new ApiError(400, 'CidrBlockInUseException', `Location ${loc} would have no CIDR blocks left but record ${user} uses it.`);
        }
        c.locations = next;
        c.version++;
        return { xml: doc('ChangeCidrCollectionResponse', el('Id', `/change/C${String(++changeSeq).padStart(8, '0')}`)) };
      },
    },
    {
      method: 'GET',
      re: /^\/cidrcollection\/([^/]+)$/,
      op: 'ListCidrLocations',
      handle: (m) => {
        const c = cidrOr404(m[1]!);
        return { xml: doc('ListCidrLocationsResponse', el('CidrLocations', [...c.locations.keys()].sort().map((l) => el('member', el('LocationName', l))))) };
      },
    },
    {
      method: 'GET',
      re: /^\/cidrcollection\/([^/]+)\/cidrblocks$/,
      op: 'ListCidrBlocks',
      handle: (m, url) => {
        const c = cidrOr404(m[1]!);
        const only = url.searchParams.get('location');
        if (only !== null && !c.locations.has(only)) throw new ApiError(404, 'NoSuchCidrLocationException', `The CIDR location ${only} does not exist.`);
        const rows = [...c.locations].filter(([l]) => only === null || l === only).flatMap(([l, set]) => [...set].sort().map((b) => el('member', [el('CidrBlock', b), el('LocationName', l)])));
        return { xml: doc('ListCidrBlocksResponse', el('CidrBlocks', rows)) };
      },
    },
    {
      method: 'DELETE',
      re: /^\/cidrcollection\/([^/]+)$/,
      op: 'DeleteCidrCollection',
      handle: (m) => {
        const c = cidrOr404(m[1]!);
        const user = cidrInUse(c.id);
        if (user || c.locations.size > 0) throw new ApiError(400, 'CidrCollectionInUseException', `The CIDR collection ${c.id} is not empty${user ? ` and record ${user} uses it` : ''}.`);
        cidrs.delete(c.id);
        return { xml: doc('DeleteCidrCollectionResponse', []) };
      },
    },
  ];

  function tagsOf(type: string, id: string): Map<string, string> {
    if (type === 'healthcheck') return hcOr404(id).tags;
    zoneOr404(id);
    let t = zoneTags.get(id);
    if (!t) zoneTags.set(id, (t = new Map()));
    return t;
  }
  const zoneTags = new Map<string, Map<string, string>>();
  function tagSetXml(type: string, id: string) {
    const tags = tagsOf(type, id);
    return el('ResourceTagSet', [el('ResourceType', type), el('ResourceId', id), el('Tags', [...tags].map(([k, v]) => el('Tag', [el('Key', k), el('Value', v)])))]);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://route53.test');
      const method = req.method ?? 'GET';
      const path = url.pathname.startsWith(API) ? url.pathname.slice(API.length) : url.pathname;
      const route = routes.find((r) => r.method === method && r.re.test(path));
      const op = route?.op ?? 'Unknown';
      const entry: CallLogEntry = { op, method, path: url.pathname, status: 200, injected: false, at: Date.now() };
      calls.push(entry);
      const t0 = performance.now();
      const send = (status: number, xml: string, headers: Record<string, string> = {}): void => {
        entry.status = status;
        entry.ms = performance.now() - t0;
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), ...headers });
        res.end(xml);
      };
      const sendError = (e: ApiError): void => {
        entry.code = e.code;
        if (e.messages) {
          send(e.status, doc('InvalidChangeBatch', [el('Messages', e.messages.map((msg) => el('Message', msg))), el('RequestId', randomUUID())]));
        } else {
          send(e.status, doc('ErrorResponse', [el('Error', [el('Type', e.status >= 500 ? 'Receiver' : 'Sender'), el('Code', e.code), el('Message', e.message)]), el('RequestId', randomUUID())]));
        }
      };
      try {
        if (!route) throw new ApiError(404, 'UnknownOperation', `no Route53 operation at ${method} ${url.pathname}`);
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
          throw new ApiError(403, 'MissingAuthenticationToken', 'Request is missing a SigV4 Authentication Token');
        }
        const fault = findFault(op);
        if (fault) {
          entry.injected = true;
          const status = fault.status ?? defaultStatus(fault.code);
          throw new ApiError(status, fault.code, fault.message ?? defaultMessage(fault.code));
        }
        const body = Buffer.concat(chunks).toString('utf8');
        if (op === 'ChangeResourceRecordSets') entry.changes = (body.match(/<Change>/g) ?? []).length;
        const out = route.handle(route.re.exec(path)!, url, body);
        send(out.status ?? 200, out.xml, out.headers);
      } catch (err) {
        sendError(err instanceof ApiError ? err : new ApiError(500, 'InternalFailure', (err as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    createZone(name, id) {
      const zid = id ?? `Z${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
      const zname = normName(name);
      const records = new Map<string, StoredRecord>();
      const soa: StoredRecord = { Name: zname, Type: 'SOA', TTL: 900, ResourceRecords: [`ns-1.awsdns-test.example. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] };
      const ns: StoredRecord = { Name: zname, Type: 'NS', TTL: 172800, ResourceRecords: [1, 2, 3, 4].map((i) => `ns-${i}.awsdns-test.example.`) };
      records.set(keyOf(soa), soa);
      records.set(keyOf(ns), ns);
      zones.set(zid, { id: zid, name: zname, callerReference: randomUUID(), records });
      return zid;
    },
    records(zoneId) {
      return [...zoneOr404(zoneId).records.values()].sort(compareListing);
    },
    putRecord(zoneId, record) {
      const z = zoneOr404(zoneId);
      const r = { ...record, Name: normName(record.Name) };
      z.records.set(keyOf(r), r);
      delete z.sorted;
    },
    healthChecks() {
      return [...healthChecks.values()];
    },
    cidrCollections() {
      return [...cidrs.values()].map((c) => ({ id: c.id, name: c.name, version: c.version, locations: c.locations }));
    },
    calls,
    callCount(op) {
      return op === undefined ? calls.length : calls.filter((c) => c.op === op).length;
    },
    resetCalls() {
      calls.length = 0;
    },
    injectFault(f) {
      const live = { ...f, seen: 0, fired: 0 };
      faults.push(live);
      return {
        get fired() {
          return live.fired;
        },
        remove() {
          const i = faults.indexOf(live);
          if (i >= 0) faults.splice(i, 1);
        },
      };
    },
    clearFaults() {
      faults.length = 0;
      rng = seededRandom(opts.seed ?? 1);
    },
    evaluate(name, type, clientAwsRegion, health) {
      return evaluate(
        {
          zones: new Map([...zones].map(([id, z]) => [id, { name: z.name, records: z.records }])),
          healthCheck: (id) => {
            const h = healthChecks.get(id);
            return h ? { id: h.Id, tags: Object.fromEntries(h.tags), config: { ...h.HealthCheckConfig } } : undefined;
          },
          cidrCollection: (id) => cidrs.get(id)?.locations,
        },
        name,
        type,
        clientAwsRegion,
        health,
      );
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** A CIDR block in network form (host bits zero), as Route53 wants it. */
function validCidr(b: string): boolean {
  const [addr = '', lenText, extra] = b.split('/');
  if (extra !== undefined || lenText === undefined || !/^\d{1,3}$/.test(lenText)) return false;
  const len = Number(lenText);
  const v = isIP(addr);
  if (v === 0 || len > (v === 4 ? 32 : 128)) return false;
  if (v === 4) {
    const n = addr.split('.').reduce((a, x) => a * 256 + Number(x), 0);
    const hostBits = 32 - len;
    return hostBits === 0 || n % 2 ** hostBits === 0;
  }
  return true;
}

function defaultStatus(code: string): number {
  if (code === 'ServiceUnavailable') return 503;
  if (code === 'InternalFailure' || code === 'InternalError') return 500;
  if (code === 'AccessDenied') return 403;
  return 400;
}

function defaultMessage(code: string): string {
  if (code === 'Throttling') return 'Rate exceeded';
  if (code === 'PriorRequestNotComplete') return 'The request was rejected because Route 53 was still processing a prior request.';
  return `injected ${code}`;
}
