import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Controller } from './controller.js';
import { PolicyWatcher } from './policy-watcher.js';
import { testPolicy, testPolicyInput } from './testing/fixtures.js';

const stringify = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgesteer-policy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PolicyWatcher', () => {
  it('applies a valid change, rejects an invalid one and keeps serving, recovers', async () => {
    const file = join(dir, 'policy.json');
    const text = stringify(testPolicyInput());
    await writeFile(file, text);
    const c = new Controller({ policy: testPolicy(), policyFile: file });
    const w = new PolicyWatcher({ controller: c, file, initialText: text, debounceMs: 20 }).start();
    try {
      const hash0 = c.table.policyHash;

      // Valid edit: drain euw1 (written in place).
      const drained = testPolicyInput();
      drained.edges![1]!.drain = true;
      await writeFile(file, stringify(drained));
      await until(() => c.table.policyHash !== hash0);
      expect(c.table.edges['euw1']?.drain).toBe(true);
      const hash1 = c.table.policyHash;

      // Invalid edit (unknown edge referenced): rejected, old policy serves on.
      const broken = testPolicyInput();
      broken.services![0]!.edges = ['use1', 'nope'];
      await writeFile(file, stringify(broken));
      await until(() => c.policyErrors.length > 0);
      expect(c.policyErrors.join('\n')).toMatch(/nope/);
      expect(c.policyErrors[0]).toMatch(/policy\.json:\d+:\d+ /);
      expect(c.table.policyHash).toBe(hash1);

      // Fixed by an atomic replace (editor style: write temp, rename over).
      const fixed = testPolicyInput();
      fixed.edges![1]!.drain = false;
      await writeFile(join(dir, '.policy.json.swp'), stringify(fixed));
      await rename(join(dir, '.policy.json.swp'), file);
      await until(() => c.policyErrors.length === 0);
      expect(c.table.policyHash).toBe(hash0);
      expect(c.timeline.toArray().filter((e) => e.kind === 'policy').map((e) => e.kind === 'policy' && e.result)).toEqual(['applied', 'invalid', 'applied']);
    } finally {
      w.stop();
    }
  });

  it('reload() without a change reports unchanged; force re-applies', async () => {
    const file = join(dir, 'policy.json');
    const text = stringify(testPolicyInput());
    await writeFile(file, text);
    const c = new Controller({ policy: testPolicy(), policyFile: file });
    const w = new PolicyWatcher({ controller: c, file, initialText: text });
    expect(await w.reload()).toEqual({ result: 'unchanged' });
    expect(await w.reload(true)).toMatchObject({ result: 'applied' });
  });
});
