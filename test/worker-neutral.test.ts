/**
 * The Worker's code path stays on Web-standard APIs: no Node built-ins in
 * workers/src outside the Node runner (src/node) and tests. (The workerd
 * test proves the bundle runs without nodejs_compat; this names the file
 * and line when someone slips one in.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../workers/src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node' ? [] : files(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/from\s+['"]node:/, 'a node: import'],
  [/from\s+['"](fs|path|os|crypto|http|http2|net|stream|buffer|child_process|url|util)['"]/, 'a Node built-in import'],
  [/\brequire\(/, 'require()'],
  [/\bprocess\.(env|argv|exit|on|cwd)\b/, 'process'],
  [/\bBuffer\.(from|alloc|concat)\b/, 'Buffer'],
  [/\bimport\(['"]@edgesteer\/policy['"]\)|from\s+['"]@edgesteer\/policy['"]/, 'the Node entry of @edgesteer/policy (use @edgesteer/policy/neutral)'],
];

describe('Worker code path', () => {
  const all = files(SRC);
  it('has files to check', () => {
    expect(all.map((f) => relative(SRC, f))).toEqual(expect.arrayContaining(['app.ts', 'cloudflare.ts', 'doh.ts', 'engine.ts']));
  });
  it('uses no Node built-ins', () => {
    const found: string[] = [];
    for (const f of all) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\*|\/\/)/.test(line)) return;
          for (const [re, what] of FORBIDDEN) if (re.test(line)) found.push(`${relative(SRC, f)}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
