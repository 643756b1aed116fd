import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { loadProbeKey, loadReceiverKeys, parseKeyFile, parseKeyList, readKeyFile } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'edgesteer-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, text: string, mode: number): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

const A = 'secret-a-0123456789abcdef';
const B = 'secret-b-0123456789abcdef';

describe('key parsing', () => {
  it.each([
    { name: 'JSON object', text: JSON.stringify({ eu: A, us: B }) },
    { name: 'id=secret lines with comments', text: `# probe keys\neu=${A}\n\n  us = ${B}  \n` },
  ])('reads a $name', ({ text }) => {
    expect(Object.fromEntries(parseKeyFile(text, 'keys'))).toEqual({ eu: [A], us: [B] });
  });

  it('reads EDGESTEER_PROBE_KEYS lists', () => {
    expect(Object.fromEntries(parseKeyList(`eu=${A}, us=${B},`, 'EDGESTEER_PROBE_KEYS'))).toEqual({ eu: [A], us: [B] });
  });

  it.each([
    { name: 'lines', text: `eu=${A}\neu=${B}` },
    { name: 'JSON', text: JSON.stringify({ eu: [A, B] }) },
  ])('keeps every key of an id listed twice in $name (rotation)', ({ text }) => {
    expect(parseKeyFile(text, 'keys').get('eu')).toEqual([A, B]);
  });

  it.each([
    { text: 'eu', code: 'E_PROBE_KEY_FORMAT', where: /keys:1/ },
    { text: 'eu=short', code: 'E_PROBE_KEY_WEAK', where: /at least 16/ },
    { text: '{"eu": 5}', code: 'E_PROBE_KEY_FORMAT', where: /must be a string/ },
    { text: '{"eu": []}', code: 'E_PROBE_KEY_FORMAT', where: /must be a string/ },
    { text: '{"eu": ', code: 'E_PROBE_KEY_FORMAT', where: /not valid JSON/ },
  ])('refuses $text with $code', ({ text, code, where }) => {
    expect(() => parseKeyFile(text, 'keys')).toThrow(expect.objectContaining({ code, message: expect.stringMatching(where) }));
  });
});

describe('key files', () => {
  it('accepts mode 600 and 640', () => {
    expect(readKeyFile(keyFile('k600', `eu=${A}`, 0o600)).get('eu')).toEqual([A]);
    expect(readKeyFile(keyFile('k640', `eu=${A}`, 0o640)).get('eu')).toEqual([A]);
  });

  it.each([0o644, 0o604, 0o606])('refuses a file other users can read (mode %o) with a fix in the message', (mode) => {
    const f = keyFile(`k${mode.toString(8)}`, `eu=${A}`, mode);
    expect(() => readKeyFile(f)).toThrow(expect.objectContaining({ code: 'E_PROBE_KEYFILE_PERMS', message: expect.stringContaining(`chmod 600 ${f}`) }));
  });

  it('says which file is missing', () => {
    expect(() => readKeyFile(join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'E_PROBE_KEYFILE', message: expect.stringContaining('ENOENT') }));
  });
});

describe('loadProbeKey / loadReceiverKeys', () => {
  const file = keyFile('both', JSON.stringify({ eu: A, us: B }), 0o600);

  it('takes the probe’s entry from the key file before the environment', () => {
    expect(loadProbeKey({ probeId: 'us', keyFile: file, env: { EDGESTEER_PROBE_KEY: A } })).toBe(B);
  });

  it('signs with the newest (last) key during a rotation', () => {
    const rotating = keyFile('rotating', `eu=${A}\neu=${B}\n`, 0o600);
    expect(loadProbeKey({ probeId: 'eu', keyFile: rotating, env: {} })).toBe(B);
  });

  it('falls back to EDGESTEER_PROBE_KEY, and to nothing', () => {
    expect(loadProbeKey({ probeId: 'eu', env: { EDGESTEER_PROBE_KEY: A } })).toBe(A);
    expect(loadProbeKey({ probeId: 'eu', env: {} })).toBeUndefined();
  });

  it('names the probe and the ids present when the file lacks the key', () => {
    expect(() => loadProbeKey({ probeId: 'ap', keyFile: file, env: {} })).toThrow(expect.objectContaining({ code: 'E_PROBE_KEY_MISSING', message: expect.stringMatching(/"ap".*eu, us/) }));
  });

  it('refuses a weak EDGESTEER_PROBE_KEY', () => {
    expect(() => loadProbeKey({ probeId: 'eu', env: { EDGESTEER_PROBE_KEY: 'abc' } })).toThrow(expect.objectContaining({ code: 'E_PROBE_KEY_WEAK' }));
  });

  it('gives receivers every key from a file or EDGESTEER_PROBE_KEYS', () => {
    expect([...loadReceiverKeys({ keyFile: file }).keys()]).toEqual(['eu', 'us']);
    expect(loadReceiverKeys({ env: { EDGESTEER_PROBE_KEYS: `eu=${A}` } }).get('eu')).toEqual([A]);
    expect(loadReceiverKeys({ env: {} }).size).toBe(0);
  });
});
