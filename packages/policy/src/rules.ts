/**
 * Every rule id a policy problem can carry. Ids are stable: scripts, docs and
 * editor integrations refer to them, so rename only with a deprecation.
 */
import type { Severity } from './problem.js';

interface RuleInfo {
  /** Usual severity; `ttl-out-of-bounds` is an error from the schema and a warning above the recommended maximum. */
  severity: Severity;
  summary: string;
}

/** The rule catalogue (also rendered as the table in the package README). */
export const RULES = {
  // File syntax
  'file-empty': { severity: 'error', summary: 'The file has no content.' },
  'yaml-syntax': { severity: 'error', summary: 'The file is not valid YAML.' },
  'json-syntax': { severity: 'error', summary: 'A .json file is not strict JSON.' },
  'duplicate-key': { severity: 'error', summary: 'The same key appears twice in one mapping.' },
  // Structure (from the zod schema)
  'schema-type': { severity: 'error', summary: 'A value has the wrong type (e.g. text where a number belongs).' },
  'schema-required': { severity: 'error', summary: 'A required key is missing.' },
  'schema-unknown-key': { severity: 'error', summary: 'A key the format does not know (often a typo).' },
  'schema-value': { severity: 'error', summary: 'A value outside its allowed set (steering, check type, AWS region, version).' },
  'schema-format': { severity: 'error', summary: 'Text in the wrong format (id, DNS name, IP address, path).' },
  'schema-range': { severity: 'error', summary: 'A number, list or text outside its allowed size.' },
  'schema-invalid': { severity: 'error', summary: 'Any other structural problem.' },
  'interval-out-of-bounds': { severity: 'error', summary: 'check.intervalMs outside 100..3600000.' },
  'timeout-out-of-bounds': { severity: 'error', summary: 'check.timeoutMs outside 10..60000.' },
  'ttl-out-of-bounds': { severity: 'error', summary: 'A TTL outside its range (error), or a zone TTL above 86400 s (warning).' },
  'weight-out-of-range': { severity: 'error', summary: 'Edge weight outside 0..255, or weighted steering whose edges all weigh 0.' },
  // Identity and references
  'duplicate-id': { severity: 'error', summary: 'Two regions, edges or services share an id.' },
  'duplicate-edge-ref': { severity: 'error', summary: 'A service lists the same edge twice in edges or fallback.' },
  'zone-duplicate': { severity: 'error', summary: 'Two zones have the same name.' },
  'zone-overlap': { severity: 'warning', summary: 'One zone lies inside another (edgesteer does not create the delegation).' },
  'service-name-duplicate': { severity: 'error', summary: 'Two services steer the same DNS name.' },
  'service-outside-zone': { severity: 'error', summary: 'A service name is not inside any zone of the policy.' },
  'unknown-region': { severity: 'error', summary: 'An edge names a region that is not defined.' },
  'unknown-edge': { severity: 'error', summary: 'A service names an edge that is not defined.' },
  'fallback-unknown-edge': { severity: 'error', summary: 'A fallback entry names an edge that is not defined.' },
  'fallback-not-in-service': { severity: 'warning', summary: 'A fallback edge is not one of the service\'s edges.' },
  'empty-edge-set': { severity: 'error', summary: 'A service has no edges.' },
  'all-edges-drained': { severity: 'warning', summary: 'Every edge of a service is drained: it only ever answers its fallback.' },
  'answers-exceed-edges': { severity: 'warning', summary: 'A service asks for more answers than it has edges.' },
  // Regions and client networks
  'no-default-region': { severity: 'error', summary: 'No region has default: true.' },
  'multiple-default-regions': { severity: 'error', summary: 'More than one region has default: true.' },
  'cidr-invalid': { severity: 'error', summary: 'A client CIDR does not parse.' },
  'cidr-host-bits': { severity: 'error', summary: 'A client CIDR has bits set after its prefix (10.1.2.3/16).' },
  'cidr-overlap': { severity: 'error', summary: 'The same client network is listed in two regions.' },
  'cidr-redundant': { severity: 'warning', summary: 'A region lists a network already covered by another of its own.' },
  'geo-country-duplicate': { severity: 'error', summary: 'The same country is listed in two regions\' countries.' },
  'geo-continent-duplicate': { severity: 'error', summary: 'The same continent is listed in two regions\' continents.' },
  'quorum-exceeds-regions': { severity: 'warning', summary: 'health.quorum is larger than the number of regions.' },
  // Edges and checks
  'edge-no-address': { severity: 'error', summary: 'An edge has no ipv4, ipv6 or alias.' },
  'check-address-required': { severity: 'error', summary: 'An alias-only edge has no check.address to probe.' },
  'check-port-required': { severity: 'error', summary: 'A tcp check has no port.' },
  'timeout-exceeds-interval': { severity: 'error', summary: 'check.timeoutMs is not below check.intervalMs.' },
  'sni-on-http': { severity: 'warning', summary: 'An http or tcp check sets sni or insecureSkipVerify, which only apply to https.' },
  'stale-before-interval': { severity: 'warning', summary: 'health.staleAfterMs is so short that results go stale before the next probe.' },
  'type-without-address': { severity: 'warning', summary: 'A service answers A/AAAA but none of its edges has such an address.' },
  'nameserver-missing-glue': { severity: 'warning', summary: 'A nameserver inside its own zone has no glue address.' },
} as const satisfies Record<string, RuleInfo>;

/** A rule id. */
export type RuleId = keyof typeof RULES;
