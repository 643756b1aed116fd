/** Region rules: exactly one default region, well-formed and unambiguous client CIDRs, quorum. */
import { cidrContains, formatCidr, parseCidr, parseIp, type Cidr } from '../cidr.js';
import type { RuleContext } from './context.js';
import { items, num, str, strings } from './context.js';

export function checkRegions(ctx: RuleContext): void {
  const regions = items(ctx.data, 'regions');
  if (!regions) return;

  const defaults = regions.filter((r) => r.rec['default'] === true);
  if (regions.length > 0 && defaults.length === 0) {
    ctx.report({
      path: ['regions'],
      anchor: 'key',
      rule: 'no-default-region',
      message: 'no region has default: true',
      hint: 'mark the region that answers clients outside every clientCidrs with default: true',
    });
  }
  const firstDefault = str(defaults[0]?.rec['id']) ?? 'the first';
  for (const extra of defaults.slice(1)) {
    ctx.report({
      path: [...extra.path, 'default'],
      rule: 'multiple-default-regions',
      message: `region '${str(extra.rec['id']) ?? '?'}' is also default; '${firstDefault}' already is`,
      hint: 'keep default: true on exactly one region',
    });
  }

  checkCidrs(ctx, regions);
  checkGeoLists(ctx, regions, 'countries', 'geo-country-duplicate', 'country');
  checkGeoLists(ctx, regions, 'continents', 'geo-continent-duplicate', 'continent');

  const health = ctx.data['health'];
  const quorum = health && typeof health === 'object' ? num((health as Record<string, unknown>)['quorum']) : undefined;
  if (quorum !== undefined && regions.length > 0 && quorum > regions.length) {
    ctx.report({
      path: ['health', 'quorum'],
      rule: 'quorum-exceeds-regions',
      message: `health.quorum ${quorum} is more than the ${regions.length} region${regions.length === 1 ? '' : 's'} that can vote`,
      hint: `it is capped at the regions with fresh data; set quorum to at most ${regions.length} to say what you mean`,
    });
  }
}

/** A country or continent sends its clients to one region: the same code in two regions has no tie-break. */
function checkGeoLists(
  ctx: RuleContext,
  regions: NonNullable<ReturnType<typeof items>>,
  key: 'countries' | 'continents',
  rule: 'geo-country-duplicate' | 'geo-continent-duplicate',
  what: string,
): void {
  const owner = new Map<string, string>();
  for (const r of regions) {
    const region = str(r.rec['id']) ?? `regions[${String(r.path[1])}]`;
    for (const { value, index } of strings(r.rec[key])) {
      const first = owner.get(value);
      if (first === undefined) {
        owner.set(value, region);
        continue;
      }
      if (first === region) continue; // harmless repetition
      ctx.report({
        path: [...r.path, key, index],
        rule,
        message: `${what} '${value}' is listed in region '${region}' and in region '${first}'`,
        hint: `a ${what} sends its clients to one region; keep '${value}' in one ${key} list`,
      });
    }
  }
}

interface Entry {
  cidr: Cidr;
  text: string;
  region: string;
  path: readonly (string | number)[];
}

/**
 * Nested networks in different regions are allowed on purpose: clients map
 * to regions by longest prefix, so 10.0.0.0/8 → us-east with 10.2.0.0/16 →
 * eu-west is a meaningful exception. The same network in two regions has no
 * such tie-break, so it is an error.
 */
function checkCidrs(ctx: RuleContext, regions: NonNullable<ReturnType<typeof items>>): void {
  const seen: Entry[] = [];
  for (const r of regions) {
    const region = str(r.rec['id']) ?? `regions[${String(r.path[1])}]`;
    for (const { value, index } of strings(r.rec['clientCidrs'])) {
      const path = [...r.path, 'clientCidrs', index];
      const cidr = parseCidr(value.trim());
      if (!cidr) {
        ctx.report({
          path,
          rule: 'cidr-invalid',
          message: `client CIDR '${value}' in region '${region}' is not a network`,
          hint: parseIp(value.trim()) ? `add a prefix length, e.g. ${value.trim()}/${value.includes(':') ? 128 : 32}` : 'write address/prefix, e.g. 10.1.0.0/16 or 2001:db8:1::/48',
        });
        continue;
      }
      if (cidr.hostBitsSet) {
        ctx.report({
          path,
          rule: 'cidr-host-bits',
          message: `client CIDR '${value}' in region '${region}' has bits set after /${cidr.prefix}`,
          hint: `did you mean ${formatCidr(network(cidr))}?`,
        });
        continue;
      }
      const entry: Entry = { cidr, text: value, region, path };
      for (const other of seen) {
        if (!sameFamily(other.cidr, cidr)) continue;
        const equal = other.cidr.prefix === cidr.prefix && bytesEqual(other.cidr.bytes, cidr.bytes);
        if (other.region !== region && equal) {
          ctx.report({
            path,
            rule: 'cidr-overlap',
            message: `client CIDR '${value}' is listed in region '${region}' and in region '${other.region}'`,
            hint: 'a client network maps to one region; remove it from one of them (nested prefixes are fine: the longest prefix wins)',
          });
        } else if (other.region === region && (equal || covers(other.cidr, cidr) || covers(cidr, other.cidr))) {
          const [inner, outer] = covers(other.cidr, cidr) ? [value, other.text] : [other.text, value];
          ctx.report({
            path,
            rule: 'cidr-redundant',
            message: equal
              ? `client CIDR '${value}' is listed twice in region '${region}'`
              : `client CIDR '${inner}' is inside '${outer}', both in region '${region}'`,
            hint: `remove '${inner}'`,
          });
        }
      }
      seen.push(entry);
    }
  }
}

function sameFamily(a: Cidr, b: Cidr): boolean {
  return a.family === b.family;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** True when `outer` contains all of `inner`. */
function covers(outer: Cidr, inner: Cidr): boolean {
  return outer.prefix <= inner.prefix && cidrContains(outer, inner);
}

/** The block with its host bits cleared. */
function network(c: Cidr): Cidr {
  const bytes = new Uint8Array(c.bytes);
  for (let bit = c.prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { ...c, bytes, hostBitsSet: false };
}
