/**
 * `request.cf` as a further region hint on Cloudflare. A client address that
 * matches none of the policy's client CIDRs would land in the default
 * region; with CF_REGION_HINTS set, Cloudflare's view of where the request
 * entered (colo, then country, then continent; the most specific wins)
 * picks the region instead. ECS in a query and a matching address always
 * take precedence: the hint only replaces the blind default.
 *
 * CF_REGION_HINTS is JSON kept in wrangler.toml [vars], not in the policy,
 * because it only means something on Cloudflare:
 *   {"colo:FRA": "eu", "country:DE": "eu", "continent:NA": "us"}
 */
import { WorkerError } from './errors.js';

/** The `request.cf` fields we read. */
export interface CfLocation {
  colo?: string;
  country?: string;
  continent?: string;
}

/** Parsed hints: key kind → upper-cased code → region id. */
export interface CfHints {
  colo: ReadonlyMap<string, string>;
  country: ReadonlyMap<string, string>;
  continent: ReadonlyMap<string, string>;
}

const KINDS = ['colo', 'country', 'continent'] as const;

/** Parses CF_REGION_HINTS; throws E_CF_HINTS_INVALID naming the bad entry. */
export function parseCfHints(text: string | undefined): CfHints | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new WorkerError('E_CF_HINTS_INVALID', `CF_REGION_HINTS is not JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WorkerError('E_CF_HINTS_INVALID', 'CF_REGION_HINTS must be a JSON object like {"colo:FRA":"eu","country:US":"us"}');
  }
  const hints = { colo: new Map<string, string>(), country: new Map<string, string>(), continent: new Map<string, string>() };
  for (const [key, region] of Object.entries(raw)) {
    const [kind, code] = key.split(':', 2) as [string, string | undefined];
    if (!(KINDS as readonly string[]).includes(kind) || !code || typeof region !== 'string' || region === '') {
      throw new WorkerError('E_CF_HINTS_INVALID', `CF_REGION_HINTS entry "${key}" must be "colo:XXX", "country:XX" or "continent:XX" mapped to a region id`);
    }
    hints[kind as (typeof KINDS)[number]].set(code.toUpperCase(), region);
  }
  return hints;
}

/** The hinted region for a request's location, and which hint matched. */
export function regionFromCf(hints: CfHints | undefined, cf: CfLocation | undefined): { region: string; via: string } | undefined {
  if (!hints || !cf) return undefined;
  for (const kind of KINDS) {
    const code = cf[kind];
    if (typeof code !== 'string' || code === '') continue;
    const region = hints[kind].get(code.toUpperCase());
    if (region) return { region, via: `${kind}:${code.toUpperCase()}` };
  }
  return undefined;
}
