/** Service rules: edge references, fallback, answer count, name uniqueness. */
import { didYouMean } from '../did-you-mean.js';
import { LIMITS } from '../schema.js';
import type { RuleContext } from './context.js';
import { idIndex, items, normName, num, str, strings } from './context.js';

export function checkServices(ctx: RuleContext): void {
  const edges = idIndex(items(ctx.data, 'edges'));
  const names = new Map<string, string>();
  for (const svc of items(ctx.data, 'services') ?? []) {
    const sid = str(svc.rec['id']) ?? `services[${String(svc.path[1])}]`;
    const name = str(svc.rec['name']);
    if (name !== undefined) {
      const prev = names.get(normName(name));
      if (prev !== undefined) {
        ctx.report({
          path: [...svc.path, 'name'],
          rule: 'service-name-duplicate',
          message: `service '${sid}' steers '${name}', which service '${prev}' already steers`,
          hint: 'one name is steered by one service; merge the two or rename one',
        });
      } else names.set(normName(name), sid);
    }

    const listed = svc.rec['edges'];
    if (Array.isArray(listed) && listed.length === 0) {
      ctx.report({
        path: [...svc.path, 'edges'],
        rule: 'empty-edge-set',
        message: `service '${sid}' has no edges`,
        hint: 'list at least one edge id under edges',
      });
    }
    const own = strings(listed);
    const ownIds = new Set(own.map((e) => e.value));
    checkRefs(ctx, sid, svc.path, 'edges', own, edges);
    const fallback = strings(svc.rec['fallback']);
    checkRefs(ctx, sid, svc.path, 'fallback', fallback, edges);
    if (edges) {
      for (const f of fallback) {
        if (edges.has(f.value) && !ownIds.has(f.value)) {
          ctx.report({
            path: [...svc.path, 'fallback', f.index],
            rule: 'fallback-not-in-service',
            message: `fallback edge '${f.value}' is not one of service '${sid}' edges`,
            hint: `fine for a last-resort edge that serves ${name ?? 'this name'}; otherwise add it to edges or remove it from fallback`,
          });
        }
      }
      const known = own.filter((e) => edges.has(e.value));
      if (known.length > 0 && known.every((e) => edges.get(e.value)!.rec['drain'] === true)) {
        ctx.report({
          path: [...svc.path, 'edges'],
          rule: 'all-edges-drained',
          message: `every edge of service '${sid}' is drained, so it only answers its fallback`,
          hint: 'undrain at least one edge or add a new one',
        });
      }
    }
    const answers = num(svc.rec['answers']);
    if (answers !== undefined && answers <= LIMITS.answers.max && ownIds.size > 0 && answers > ownIds.size) {
      ctx.report({
        path: [...svc.path, 'answers'],
        rule: 'answers-exceed-edges',
        message: `service '${sid}' asks for ${answers} answers but has ${ownIds.size} edge${ownIds.size === 1 ? '' : 's'}`,
        hint: `lower answers to ${ownIds.size} or add edges`,
      });
    }
  }
}

function checkRefs(
  ctx: RuleContext,
  sid: string,
  svcPath: readonly (string | number)[],
  key: 'edges' | 'fallback',
  refs: { value: string; index: number }[],
  edges: ReturnType<typeof idIndex>,
): void {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.value)) {
      ctx.report({
        path: [...svcPath, key, ref.index],
        rule: 'duplicate-edge-ref',
        message: `service '${sid}' lists edge '${ref.value}' twice in ${key}`,
        hint: 'list each edge once; for failover the order is the priority',
      });
    }
    seen.add(ref.value);
    if (edges && !edges.has(ref.value)) {
      ctx.report({
        path: [...svcPath, key, ref.index],
        rule: key === 'edges' ? 'unknown-edge' : 'fallback-unknown-edge',
        message: `service '${sid}' ${key === 'edges' ? 'uses' : 'falls back to'} unknown edge '${ref.value}'${didYouMean(ref.value, edges.keys())}`,
        hint: `define it under edges or use one of: ${[...edges.keys()].join(', ') || '(no edges defined)'}`,
      });
    }
  }
}
