/** Zone rules: unique and non-nested zones, services inside a zone, glue, TTL sanity. */
import { LIMITS } from '../schema.js';
import type { RuleContext } from './context.js';
import { inZone, items, nonEmpty, normName, num, str } from './context.js';

export function checkZones(ctx: RuleContext): void {
  const zones = items(ctx.data, 'zones') ?? [];
  const named: { name: string; path: readonly (string | number)[] }[] = [];
  for (const z of zones) {
    const name = str(z.rec['name']);
    if (name === undefined) continue;
    const dup = named.find((o) => normName(o.name) === normName(name));
    if (dup) {
      ctx.report({
        path: [...z.path, 'name'],
        rule: 'zone-duplicate',
        message: `zone '${name}' is defined twice (also zones[${String(dup.path[1])}])`,
        hint: 'merge the two zone entries',
      });
      continue;
    }
    const parent = named.find((o) => inZone(name, o.name) || inZone(o.name, name));
    if (parent) {
      const [inner, outer] = inZone(name, parent.name) ? [name, parent.name] : [parent.name, name];
      ctx.report({
        path: [...z.path, 'name'],
        rule: 'zone-overlap',
        message: `zone '${inner}' lies inside zone '${outer}'`,
        hint: `edgesteer does not write the NS delegation for '${inner}' into '${outer}'; add it yourself or steer the names from the parent zone`,
      });
    }
    named.push({ name, path: z.path });

    const ttl = num(z.rec['ttl']);
    if (ttl !== undefined && ttl > LIMITS.ttl.maxRecommended && ttl <= LIMITS.ttl.max) {
      ctx.report({
        path: [...z.path, 'ttl'],
        rule: 'ttl-out-of-bounds',
        severity: 'warning',
        message: `zone ttl ${ttl} is above ${LIMITS.ttl.maxRecommended} s (one day); many resolvers cap it there`,
        hint: 'use at most 86400; zone records change rarely, but a fix should not take days to propagate',
      });
    }

    const nameservers = z.rec['nameservers'];
    if (Array.isArray(nameservers)) {
      nameservers.forEach((ns, i) => {
        if (ns === null || typeof ns !== 'object') return;
        const r = ns as Record<string, unknown>;
        const nsName = str(r['name']);
        if (nsName && inZone(nsName, name) && !nonEmpty(r['ipv4']) && !nonEmpty(r['ipv6'])) {
          ctx.report({
            path: [...z.path, 'nameservers', i, 'name'],
            rule: 'nameserver-missing-glue',
            message: `nameserver '${nsName}' is inside zone '${name}' but has no glue address`,
            hint: 'add ipv4 and/or ipv6 to the nameserver so resolvers can reach it',
          });
        }
      });
    }
  }

  if (zones.length === 0) return;
  for (const svc of items(ctx.data, 'services') ?? []) {
    const name = str(svc.rec['name']);
    if (name === undefined || named.length === 0) continue;
    if (!named.some((z) => inZone(name, z.name))) {
      ctx.report({
        path: [...svc.path, 'name'],
        rule: 'service-outside-zone',
        message: `service name '${name}' is not inside any zone (${named.map((z) => z.name).join(', ')})`,
        hint: `rename it to a name under ${named[0]!.name} or add its zone under zones`,
      });
    }
  }
}
