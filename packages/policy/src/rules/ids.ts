/** Duplicate ids within regions, edges and services (each its own namespace). */
import type { RuleContext } from './context.js';
import { items, str } from './context.js';

const SECTIONS = [
  ['regions', 'region'],
  ['edges', 'edge'],
  ['services', 'service'],
] as const;

export function checkDuplicateIds(ctx: RuleContext): void {
  for (const [section, noun] of SECTIONS) {
    const seen = new Map<string, number>();
    for (const it of items(ctx.data, section) ?? []) {
      const id = str(it.rec['id']);
      if (id === undefined) continue;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, it.path[1] as number);
        continue;
      }
      ctx.report({
        path: [...it.path, 'id'],
        rule: 'duplicate-id',
        message: `duplicate ${noun} id '${id}' (also ${section}[${first}])`,
        hint: `give each ${noun} its own id`,
      });
    }
  }
}
