import { describe, expect, it } from 'vitest';
import { keyFileModeProblem, parseProbeKeyText, weakProbeKey } from './probe-keys.js';

const A = 'secret-a-0123456789';
const B = 'secret-b-0123456789';

describe('parseProbeKeyText', () => {
  it.each([
    { name: 'env list', text: `eu=${A}, us=${B},`, want: { eu: [A], us: [B] } },
    { name: 'lines with comments and blanks', text: `# probe keys\n\neu=${A}\n  us = ${B}  # rotated 2025-01\n`, want: { eu: [A], us: [B] } },
    { name: 'JSON object', text: JSON.stringify({ eu: A, us: [B] }), want: { eu: [A], us: [B] } },
    { name: 'rotation by lines', text: `eu=${A}\neu=${B}`, want: { eu: [A, B] } },
    { name: 'rotation in JSON', text: JSON.stringify({ eu: [A, B] }), want: { eu: [A, B] } },
    { name: 'a secret with # inside', text: `eu=${A}#x`, want: { eu: [`${A}#x`] } },
    { name: 'nothing', text: '  \n# none yet\n', want: {} },
  ])('reads $name', ({ text, want }) => {
    const r = parseProbeKeyText(text, 'keys');
    expect(r.ok && Object.fromEntries(r.keys)).toEqual(want);
  });

  it.each([
    { text: 'eu', kind: 'format', message: /^keys:1: expected probe-id=secret/ },
    { text: `eu=${A}\n=${B}`, kind: 'format', message: /^keys:2: expected probe-id=secret/ },
    { text: 'eu=', kind: 'format', message: /expected probe-id=secret/ },
    { text: 'eu=short', kind: 'weak', message: /^keys:1: .*"eu".* shorter than 16; use at least 16/ },
    { text: '{"eu": 5}', kind: 'format', message: /^keys: key of probe "eu" must be a string or a list of strings/ },
    { text: '{"eu": []}', kind: 'format', message: /must be a string or a list/ },
    { text: '{"eu": "short"}', kind: 'weak', message: /shorter than 16/ },
    { text: '{"eu": ', kind: 'format', message: /^keys: not valid JSON/ },
  ])('refuses $text as $kind', ({ text, kind, message }) => {
    const r = parseProbeKeyText(text, 'keys');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toEqual({ kind, message: expect.stringMatching(message) as unknown as string });
  });

  it('never quotes a secret in a message', () => {
    for (const text of [`=${A}`, A, `eu=${A.slice(0, 10)}`]) {
      const r = parseProbeKeyText(text, 'keys');
      if (r.ok) throw new Error(`accepted ${text}`);
      expect(r.problem.message).not.toContain(A.slice(0, 10));
    }
  });
});

describe('weakProbeKey', () => {
  it('accepts 16 characters and refuses 15', () => {
    expect(weakProbeKey('eu', 'x'.repeat(16), 'env')).toBeUndefined();
    expect(weakProbeKey('eu', 'x'.repeat(15), 'env')?.kind).toBe('weak');
  });
});

describe('keyFileModeProblem', () => {
  it.each([
    { mode: 0o100600, ok: true },
    { mode: 0o100640, ok: true },
    { mode: 0o100644, ok: false },
    { mode: 0o100606, ok: false },
    { mode: 0o100601, ok: false },
  ])('mode $mode → ok $ok', ({ mode, ok }) => {
    const p = keyFileModeProblem('/etc/edgesteer/keys', mode);
    if (ok) expect(p).toBeUndefined();
    else expect(p).toBe(`key file /etc/edgesteer/keys is accessible by other users (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 /etc/edgesteer/keys\``);
  });
});
