/// <reference types="node" />
/**
 * The Worker bundles this package's neutral entry, so nothing it reaches may
 * import a Node built-in; and every rule id must be documented in the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES } from './rules.js';

const src = new URL('./', import.meta.url);

/** Relative modules reachable from `entry` (by following `from './x.js'`). */
function reachable(entry: string): Map<string, string> {
  const out = new Map<string, string>();
  const queue = [entry];
  while (queue.length) {
    const rel = queue.pop()!;
    if (out.has(rel)) continue;
    const text = readFileSync(new URL(rel.replace(/\.js$/, '.ts'), src), 'utf8');
    out.set(rel, text);
    for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const next = new URL(m[1]!, new URL(rel, src)).pathname.slice(src.pathname.length);
      queue.push(next);
    }
  }
  return out;
}

describe('package boundaries', () => {
  it('the neutral entry reaches no Node built-ins and no load-file', () => {
    const mods = reachable('neutral.js');
    expect(mods.size).toBeGreaterThan(10);
    expect([...mods.keys()]).not.toContain('load-file.js');
    for (const [name, text] of mods) {
      expect(text, name).not.toMatch(/from 'node:|from '(fs|path|os|crypto|url)'|require\(/);
    }
  });

  it('the README documents every rule id', () => {
    const readme = readFileSync(new URL('../README.md', src), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([a-z0-9-]+)` \| (?:error|warning)/gm)].map((m) => m[1]));
    expect(Object.keys(RULES).filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !(r! in RULES))).toEqual([]);
  });
});
