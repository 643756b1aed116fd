/**
 * The routing policy file's schema. This zod schema is the single source of
 * the policy's TypeScript types and of config/policy.schema.json.
 *
 * Structural rules (types, ranges, required fields) live here; rules that
 * relate one part of the file to another (references, duplicates, CIDR
 * overlap) live in validate.ts so every problem can be reported at once with
 * its own rule id.
 */
import { z } from 'zod';

/** Route53 latency regions (the `Region` of a latency record). */
export const AWS_LATENCY_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ca-central-1', 'ca-west-1', 'cn-north-1', 'cn-northwest-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-north-1', 'eu-south-1', 'eu-south-2',
  'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1',
  'us-gov-east-1', 'us-gov-west-1',
] as const;

/** Continent codes as GeoIP databases write them. */
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;

/** Bounds shared by schema and docs, so error messages can quote them. */
export const LIMITS = {
  intervalMs: { min: 100, max: 3_600_000 },
  timeoutMs: { min: 10, max: 60_000 },
  ttl: { min: 0, max: 2_147_483_647, maxRecommended: 86_400 },
  serviceTtl: { min: 1, max: 86_400 },
  riseFall: { min: 1, max: 100 },
  weight: { min: 0, max: 255 },
  answers: { min: 1, max: 8 },
  bodyContainsBytes: 4096,
} as const;

const Id = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (1-63 chars, no leading/trailing dash)')
  .describe('Identifier: lowercase letters, digits and dashes.');

const DnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?=.{1,253}\.?$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?\.)*[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?\.?$/, 'must be a DNS name like cdn.example.com')
  .describe('A fully qualified DNS name; a trailing dot is optional.');

const IPv4 = z.ipv4().describe('IPv4 address.');
const IPv6 = z.ipv6().describe('IPv6 address.');

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const SoaSchema = z
  .object({
    mname: DnsName.describe('Primary nameserver (SOA MNAME).'),
    rname: DnsName.describe('Responsible mailbox in DNS form, e.g. hostmaster.example.com.'),
    serial: int(0, 4_294_967_295).optional().describe('Fixed serial; omitted = derived from the routing table version.'),
    refresh: int(1, 2_147_483_647).default(3600),
    retry: int(1, 2_147_483_647).default(600),
    expire: int(1, 2_147_483_647).default(1_209_600),
    minimum: int(0, 86_400).default(60).describe('Negative-caching TTL (RFC 2308).'),
  })
  .strict();

export const NameserverSchema = z
  .object({
    name: DnsName,
    ipv4: z.array(IPv4).default([]).describe('Glue A records (for nameservers inside the zone).'),
    ipv6: z.array(IPv6).default([]).describe('Glue AAAA records.'),
  })
  .strict();

export const ZoneSchema = z
  .object({
    name: DnsName.describe('Zone apex, e.g. example.com.'),
    ttl: int(LIMITS.ttl.min, LIMITS.ttl.max).default(300).describe('Default TTL for zone records (SOA, NS, glue).'),
    soa: SoaSchema,
    nameservers: z.array(NameserverSchema).min(1),
    route53: z
      .object({ hostedZoneId: z.string().regex(/^(\/hostedzone\/)?Z[A-Z0-9]{1,32}$/, 'must look like Z0123456789ABC or /hostedzone/Z0123456789ABC') })
      .strict()
      .optional()
      .describe('Manage this zone in Route53 (hosted zone id).'),
  })
  .strict();

export const RegionSchema = z
  .object({
    id: Id,
    aws: z.enum(AWS_LATENCY_REGIONS).describe('Route53 latency region for this region.'),
    clientCidrs: z.array(z.string()).default([]).describe('Client networks (IPv4/IPv6 CIDR) mapped to this region via ECS or source address.'),
    default: z.boolean().default(false).describe('Region used when no other rule of the client map places a client (see geo). Exactly one region must be default.'),
    location: z
      .object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
      .strict()
      .optional()
      .describe('Where the region\'s edges are (degrees), for nearest-region mapping; default: the coordinates of its `aws` region.'),
    countries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. IN'))
      .optional()
      .describe('Countries (ISO 3166-1 alpha-2) whose clients go to this region whatever the distance; clientCidrs still win.'),
    continents: z
      .array(z.enum(CONTINENTS))
      .optional()
      .describe('Continents whose clients go to this region whatever the distance; countries and clientCidrs still win.'),
  })
  .strict();

export const GeoSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Map clients outside every clientCidrs by geography (countries, continents, then nearest region). false: clientCidrs and the default region only.'),
    database: z
      .string()
      .min(1)
      .optional()
      .describe('GeoIP database (.mmdb: MaxMind GeoIP2/GeoLite2 City or Country, DB-IP, ip-location-db), relative to the policy file; default: the embedded country database of @edgesteer/geo.'),
  })
  .strict()
  .describe('The client map: which region each client address belongs to. Order: clientCidrs (longest prefix) → countries → continents → nearest region by great-circle distance → default region.');

export const CheckSchema = z
  .object({
    type: z.enum(['http', 'https', 'tcp']),
    address: z.string().optional().describe('Address to check; default: the edge\'s first address.'),
    port: int(1, 65_535).optional().describe('Default: 80 for http, 443 for https; required for tcp.'),
    path: z.string().startsWith('/').default('/').describe('HTTP path.'),
    host: z.string().optional().describe('Host header (http/https).'),
    sni: z.string().optional().describe('TLS server name (https); default: host.'),
    expectStatus: z.array(int(100, 599)).min(1).default([200]).describe('Status codes that count as up.'),
    bodyContains: z.string().max(LIMITS.bodyContainsBytes).optional().describe('Substring that must appear in the first 64 KiB of the body.'),
    intervalMs: int(LIMITS.intervalMs.min, LIMITS.intervalMs.max).default(5000),
    timeoutMs: int(LIMITS.timeoutMs.min, LIMITS.timeoutMs.max).default(2000),
    rise: int(LIMITS.riseFall.min, LIMITS.riseFall.max).default(2).describe('Consecutive successes to mark up.'),
    fall: int(LIMITS.riseFall.min, LIMITS.riseFall.max).default(3).describe('Consecutive failures to mark down.'),
    insecureSkipVerify: z.boolean().default(false).describe('https: accept any certificate. Off by default.'),
    followRedirects: z.boolean().default(false),
    route53: z.enum(['cloudwatch', 'native']).default('cloudwatch').describe('Route53 health check kind: a CloudWatch alarm fed by our probes (default) or a native Route53 checker.'),
  })
  .strict();

export const EdgeSchema = z
  .object({
    id: Id,
    region: Id.describe('Region this edge is in.'),
    ipv4: z.array(IPv4).default([]),
    ipv6: z.array(IPv6).default([]),
    alias: z
      .object({ dnsName: DnsName, hostedZoneId: z.string().min(1), evaluateTargetHealth: z.boolean().default(true) })
      .strict()
      .optional()
      .describe('Route53 alias target (e.g. a load balancer) instead of addresses.'),
    check: CheckSchema,
    weight: int(LIMITS.weight.min, LIMITS.weight.max).default(100),
    drain: z.boolean().default(false).describe('Drained edges get no new traffic but stay checked.'),
  })
  .strict();

export const ServiceSchema = z
  .object({
    id: Id,
    name: DnsName.describe('Steered DNS name; must lie inside one of the zones.'),
    types: z.array(z.enum(['A', 'AAAA'])).min(1).default(['A', 'AAAA']),
    edges: z.array(Id).describe('Edges that serve this name. For failover steering, the order is the priority.'),
    steering: z.enum(['latency', 'failover', 'weighted']).default('latency'),
    answers: int(LIMITS.answers.min, LIMITS.answers.max).default(1).describe('Edges per response.'),
    ttl: int(LIMITS.serviceTtl.min, LIMITS.serviceTtl.max).default(30),
    hysteresisPct: z.number().min(0).max(1000).default(20).describe('Latency steering keeps every edge at its place in the ranking (first, second, ...) unless a faster edge beats it by this many percent.'),
    hysteresisMinMs: z.number().min(0).max(10_000).default(2).describe('...and by at least this many ms.'),
    fallback: z.array(Id).default([]).describe('Edges answered when all are down (fail-open). Empty = all service edges in policy order.'),
    failMode: z.enum(['open', 'closed']).default('open').describe('All edges down: open answers the fallback set, closed answers nothing (NODATA).'),
  })
  .strict();

export const HealthSchema = z
  .object({
    quorum: int(1, 100).default(2).describe('Regions with fresh data that must say down before an edge is down; capped at the number of regions in the policy (not at the number with fresh data, so one partitioned probe never fails an edge over).'),
    staleAfterMs: int(1000, 86_400_000).default(30_000).describe('Observations older than this do not count.'),
    rttAlpha: z.number().gt(0).max(1).default(0.3).describe('EWMA weight of a new RTT sample.'),
    unsynced: z
      .enum(['assume-up', 'servfail'])
      .optional()
      .describe(
        'What a self-hosted plane (DNS server) answers after it starts and before it has fresh data from quorum regions (cold start, or a restart after an outage longer than staleAfterMs): assume-up (default) answers from its saved state, every edge up when it has none; servfail answers SERVFAIL so resolvers ask another plane (Route53, the Worker) until this one knows. Either way /healthz says "unsynced" until then.',
      ),
    alarmRegion: z.enum(AWS_LATENCY_REGIONS).optional().describe('CloudWatch region of the Route53 health-check alarms (default us-east-1); every probe publishes its votes there, whatever its own region.'),
  })
  .strict();

export const PolicySchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Policy format version.'),
    owner: Id.describe('Owner id written into Route53 ownership markers; records without it are never touched.'),
    zones: z.array(ZoneSchema).min(1),
    regions: z.array(RegionSchema).min(1),
    edges: z.array(EdgeSchema).min(1),
    services: z.array(ServiceSchema).min(1),
    health: HealthSchema.default({ quorum: 2, staleAfterMs: 30_000, rttAlpha: 0.3 }),
    geo: GeoSchema.optional(),
  })
  .strict();

/** A policy after defaults are applied (what the rest of the system reads). */
export type Policy = z.output<typeof PolicySchema>;
/** A policy as an operator writes it (defaults optional). */
export type PolicyInput = z.input<typeof PolicySchema>;
export type Zone = Policy['zones'][number];
export type Region = Policy['regions'][number];
export type Edge = Policy['edges'][number];
export type Check = Edge['check'];
export type Service = Policy['services'][number];
export type HealthSettings = Policy['health'];
export type Steering = Service['steering'];
export type GeoSettings = z.output<typeof GeoSchema>;

/** JSON Schema (draft 2020-12) of the policy file, generated from the zod schema. */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://edgesteer.dev/schema/policy.schema.json',
    title: 'edgesteer routing policy',
    ...schema,
  };
}
