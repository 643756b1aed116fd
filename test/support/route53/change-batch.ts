/**
 * ChangeResourceRecordSets semantics of the Route53 test endpoint. A batch
 * is atomic: it is applied change by change to a copy of the zone, each
 * step checked against Route53's documented rules, and the copy replaces
 * the zone only if every step passed.
 *
 * Rules enforced (InvalidChangeBatch unless noted):
 * - names must lie in the zone;
 * - CREATE of an existing (name, type, SetIdentifier); DELETE of a missing
 *   one or with values that do not match exactly; the same record deleted
 *   twice in one batch;
 * - a SetIdentifier needs exactly one routing policy (Region, Failover,
 *   Weight, GeoLocation, MultiValueAnswer) and a routing policy needs a
 *   SetIdentifier; a latency record needs its Region;
 * - records of one name and type: one simple record, or only records of
 *   one routing policy; at most one PRIMARY and one SECONDARY;
 * - a CNAME cannot sit beside any other type at its name;
 * - alias XOR (TTL + ResourceRecords); A values are IPv4, AAAA values IPv6,
 *   TXT values quoted;
 * - an alias into this zone needs a record of the same name and type to
 *   exist at that point of the batch (so a batch must create a failover set
 *   before the latency record aliasing it);
 * - HealthCheckId must name an existing health check;
 * - documented value constraints: TTL 0–2,147,483,647, Weight 0–255,
 *   SetIdentifier 1–128 characters, Region one of Route53's latency regions;
 * - IP-based routing: CidrRoutingConfig names an existing collection and
 *   one of its locations (or `*`), one collection per name and type;
 * - limits: 1,000 ResourceRecord elements and 32,000 Value characters per
 *   request, UPSERT counting twice (an alias change counts as one element).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { describeForError, keyOf, routingKind, sameRecord, type StoredRecord } from './records.js';

/** One change as parsed from the request. */
export interface ParsedChange {
  action: string;
  record: StoredRecord;
}

/** Outcome of a batch. `form` says which error document Route53 uses. */
export type BatchOutcome =
  | { ok: true; records: Map<string, StoredRecord> }
  | { ok: false; form: 'messages' | 'error'; messages: string[] };

/** Per-request limits. */
export const LIMITS = { maxRecords: 1000, maxValueChars: 32_000 };

/** Route53's latency regions (ResourceRecordSet.Region, API reference). */
export const LATENCY_REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'ca-west-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2',
  'eu-north-1', 'eu-south-1', 'eu-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2', 'sa-east-1', 'me-south-1', 'me-central-1',
  'il-central-1', 'af-south-1', 'mx-central-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1',
]);

/** What the batch rules need to know about CIDR collections. */
export type CidrLookup = (collectionId: string) => { locations: ReadonlySet<string> } | undefined;

const TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT', 'HTTPS', 'SVCB', 'TLSA', 'SSHFP']);

/** Validates and applies a batch to a copy of `records`. */
export function applyBatch(
  zoneId: string,
  zoneName: string,
  records: ReadonlyMap<string, StoredRecord>,
  changes: readonly ParsedChange[],
  healthCheckExists: (id: string) => boolean,
  cidr: CidrLookup = () => undefined,
): BatchOutcome {
  if (changes.length === 0) return { ok: false, form: 'error', messages: ['Invalid request: the change batch has no changes'] };
  let rr = 0;
  let chars = 0;
  for (const c of changes) {
    const mult = c.action === 'UPSERT' ? 2 : 1;
    rr += Math.max(1, c.record.ResourceRecords?.length ?? 0) * mult;
    for (const v of c.record.ResourceRecords ?? []) chars += v.length * mult;
  }
  if (rr > LIMITS.maxRecords) return { ok: false, form: 'error', messages: [`Number of records limit of ${LIMITS.maxRecords} exceeded.`] };
  if (chars > LIMITS.maxValueChars) return { ok: false, form: 'error', messages: [`Number of characters limit of ${LIMITS.maxValueChars} exceeded.`] };

  const outside = changes.filter((c) => !(c.record.Name === zoneName || c.record.Name.endsWith('.' + zoneName)));
  if (outside.length > 0) {
    return { ok: false, form: 'error', messages: outside.map((c) => `RRSet with DNS name ${c.record.Name} is not permitted in zone ${zoneName}`) };
  }
  const shapeErrors = changes.flatMap((c) => shapeProblems(c, healthCheckExists, cidr));
  if (shapeErrors.length > 0) return { ok: false, form: 'messages', messages: shapeErrors };

  const work = new Map(records);
  // Records by name, so each step checks its neighbours without a zone scan.
  const byName = new Map<string, Map<string, StoredRecord>>();
  const index = (key: string, r: StoredRecord | undefined, name: string): void => {
    let m = byName.get(name);
    if (!m) byName.set(name, (m = new Map()));
    if (r) m.set(key, r);
    else m.delete(key);
  };
  for (const [k, r] of work) index(k, r, r.Name);
  for (const c of changes) {
    const key = keyOf(c.record);
    const cur = work.get(key);
    switch (c.action) {
      case 'CREATE':
        if (cur) return fail(`Tried to create resource record set ${describeForError(c.record)} but it already exists`);
        work.set(key, c.record);
        index(key, c.record, c.record.Name);
        break;
      case 'DELETE':
        if (!cur) return fail(`Tried to delete resource record set ${describeForError(c.record)} but it was not found`);
        if (!sameRecord(cur, c.record)) return fail(`Tried to delete resource record set ${describeForError(c.record)} but the values provided do not match the current values`);
        work.delete(key);
        index(key, undefined, c.record.Name);
        break;
      case 'UPSERT':
        work.set(key, c.record);
        index(key, c.record, c.record.Name);
        break;
      default:
        return { ok: false, form: 'error', messages: [`Invalid request: unknown Action ${c.action}`] };
    }
    if (c.action !== 'DELETE') {
      const problem = nameProblems([...(byName.get(c.record.Name)?.values() ?? [])], c.record) ?? aliasProblem(zoneId, byName, c.record);
      if (problem) return fail(problem);
    }
  }
  return { ok: true, records: work };
}

function fail(message: string): BatchOutcome {
  return { ok: false, form: 'messages', messages: [message] };
}

function shapeProblems(c: ParsedChange, healthCheckExists: (id: string) => boolean, cidr: CidrLookup): string[] {
  const r = c.record;
  const where = `in Change with [Action=${c.action}, Name=${r.Name}, Type=${r.Type}${r.SetIdentifier !== undefined ? `, SetIdentifier=${r.SetIdentifier}` : ''}]`;
  const out: string[] = [];
  if (!TYPES.has(r.Type)) out.push(`Invalid request: unsupported Type ${r.Type} ${where}`);
  const policies = [r.Region, r.Failover, r.Weight, r.GeoLocation, r.MultiValueAnswer, r.CidrRoutingConfig].filter((x) => x !== undefined).length;
  if (r.SetIdentifier !== undefined && policies !== 1) {
    out.push(`Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, CidrRoutingConfig], but found ${policies === 0 ? 'none' : 'more than one'} ${where}`);
  }
  // Documented value constraints (ResourceRecordSet, API reference).
  if (r.SetIdentifier !== undefined && (r.SetIdentifier.length < 1 || r.SetIdentifier.length > 128)) out.push(`1 validation error detected: Value at 'setIdentifier' failed to satisfy constraint: Member must have length between 1 and 128 ${where}`);
  if (r.TTL !== undefined && !(Number.isInteger(r.TTL) && r.TTL >= 0 && r.TTL <= 2_147_483_647)) out.push(`1 validation error detected: Value '${r.TTL}' at 'TTL' failed to satisfy constraint: Member must have value between 0 and 2147483647 ${where}`);
  if (r.Weight !== undefined && !(Number.isInteger(r.Weight) && r.Weight >= 0 && r.Weight <= 255)) out.push(`1 validation error detected: Value '${r.Weight}' at 'weight' failed to satisfy constraint: Member must have value between 0 and 255 ${where}`);
  if (r.Region !== undefined && !LATENCY_REGIONS.has(r.Region)) out.push(`1 validation error detected: Value '${r.Region}' at 'region' failed to satisfy constraint: Member must satisfy enum value set ${where}`);
  if (r.CidrRoutingConfig !== undefined && c.action !== 'DELETE') {
    const col = cidr(r.CidrRoutingConfig.CollectionId);
    const loc = r.CidrRoutingConfig.LocationName;
    if (!col) out.push(`NoSuchCidrCollection: CIDR collection ${r.CidrRoutingConfig.CollectionId} does not exist ${where}`);
    else if (loc !== '*' && !col.locations.has(loc)) out.push(`NoSuchCidrLocation: location ${loc} does not exist in CIDR collection ${r.CidrRoutingConfig.CollectionId} ${where}`);
  }
  if (r.SetIdentifier === undefined && policies > 0) out.push(`Invalid request: Missing field 'SetIdentifier' ${where}`);
  if (r.Failover !== undefined && r.Failover !== 'PRIMARY' && r.Failover !== 'SECONDARY') out.push(`Invalid request: Failover must be PRIMARY or SECONDARY ${where}`);
  if (r.AliasTarget) {
    if (r.TTL !== undefined || r.ResourceRecords !== undefined) out.push(`Invalid request: an alias record cannot have TTL or ResourceRecords ${where}`);
  } else {
    if (r.TTL === undefined) out.push(`Invalid request: Missing field 'TTL' ${where}`);
    if (!r.ResourceRecords || r.ResourceRecords.length === 0) out.push(`Invalid request: Missing field 'ResourceRecords' ${where}`);
    for (const v of r.ResourceRecords ?? []) {
      if (r.Type === 'A' && !isIPv4(v)) out.push(`ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'`);
      if (r.Type === 'AAAA' && !isIPv6(v)) out.push(`AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}'`);
      if ((r.Type === 'TXT' || r.Type === 'SPF') && !/^("([^"\\]|\\.)*"\s*)+$/.test(v)) out.push(`Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${v}'`);
    }
    if (r.Type === 'CNAME' && (r.ResourceRecords?.length ?? 0) > 1) out.push(`Invalid request: a CNAME record can have one value ${where}`);
  }
  if (r.HealthCheckId !== undefined && c.action !== 'DELETE' && !healthCheckExists(r.HealthCheckId)) {
    out.push(`Invalid request: health check ${r.HealthCheckId} does not exist ${where}`);
  }
  return out;
}

/** Rules about records sharing a name, checked after each write. */
function nameProblems(atName: readonly StoredRecord[], written: StoredRecord): string | undefined {
  const cname = atName.find((r) => r.Type === 'CNAME');
  const other = atName.find((r) => r.Type !== 'CNAME');
  if (cname && other) {
    return written.Type === 'CNAME'
      ? `RRSet of type CNAME with DNS name ${written.Name} is not permitted because a conflicting RRSet of type ${other.Type} with the same DNS name already exists in zone`
      : `RRSet of type ${written.Type} with DNS name ${written.Name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone`;
  }
  const group = atName.filter((r) => r.Type === written.Type);
  if (group.length > 1) {
    if (group.some((r) => r.SetIdentifier === undefined)) {
      return `Tried to create resource record set ${describeForError(written)} but a resource record set with the same name and type ${written.SetIdentifier === undefined ? 'and a set identifier' : 'without a set identifier'} already exists`;
    }
    const kinds = new Set(group.map(routingKind));
    if (kinds.size > 1) {
      return `Tried to create resource record set ${describeForError(written)} with ${routingKind(written)} routing but records with the same name and type use ${[...kinds].filter((k) => k !== routingKind(written)).join(', ')} routing`;
    }
    const collections = new Set(group.map((r) => r.CidrRoutingConfig?.CollectionId).filter((x) => x !== undefined));
    if (collections.size > 1) return `Tried to create resource record set ${describeForError(written)} but records with the same name and type must use one CIDR collection`;
    const locs = group.map((r) => r.CidrRoutingConfig?.LocationName).filter((x) => x !== undefined);
    if (new Set(locs).size !== locs.length) return `Tried to create resource record set ${describeForError(written)} but another record with the same name and type already uses location ${written.CidrRoutingConfig?.LocationName}`;
    for (const role of ['PRIMARY', 'SECONDARY']) {
      if (group.filter((r) => r.Failover === role).length > 1) {
        return `Tried to create resource record set ${describeForError(written)} but a ${role} failover record with the same name and type already exists`;
      }
    }
  }
  return undefined;
}

function aliasProblem(zoneId: string, byName: Map<string, Map<string, StoredRecord>>, r: StoredRecord): string | undefined {
  const at = r.AliasTarget;
  if (!at || at.HostedZoneId !== zoneId) return undefined;
  for (const x of byName.get(at.DNSName)?.values() ?? []) if (x.Type === r.Type) return undefined;
  return `Tried to create an alias that targets ${at.DNSName}, type ${r.Type} in zone ${zoneId}, but the alias target name does not lie within the target zone`;
}
