/// <reference types="node" />
/**
 * Core is bundled into the Worker and must stay pure: no Node built-ins, no
 * clock or randomness of its own (time is a parameter), and from the policy
 * package only its neutral entry (plus zod and @noble/hashes, both runtime-neutral).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('./', import.meta.url);
const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-policy.ts');

describe('core package boundaries', () => {
  it('has sources to check', () => {
    expect(sources).toContain('table.ts');
  });

  it.each(sources)('%s imports only relative modules, the policy neutral entry, zod and @noble/hashes', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
    for (const s of specifiers) expect(s, file).toMatch(/^(\.\/[a-z0-9-]+\.js|@edgesteer\/policy\/neutral|zod|@noble\/hashes\/(sha2|utils)\.js)$/);
    expect(text, file).not.toMatch(/\brequire\(|\bprocess\.(env|argv|exit|stdout|stderr|hrtime|cwd|nextTick)\b|\bBuffer\.|\bsetTimeout\(|\bsetInterval\(/);
  });

  it.each(sources)('%s reads no clock and no randomness', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(text, file).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now|Math\.random|crypto\.getRandomValues/);
  });
});
