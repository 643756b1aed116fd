import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProbeKey } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'es-probe-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = 'secret-a-0123456789';
const B = 'secret-b-0123456789';

function keyFile(name: string, text: string, mode = 0o600): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

describe('loadProbeKey', () => {
  const file = keyFile('both', `eu eu-west ${A}\nus us-east ${B}\n`);

  it('takes the probe’s entry from the key file before the environment', () => {
    expect(loadProbeKey({ probeId: 'us', region: 'us-east', keyFile: file, env: { EDGESTEER_PROBE_KEY: A } })).toBe(B);
  });

  it('signs with the newest (last) secret during a rotation', () => {
    const rotating = keyFile('rotating', `eu eu-west ${A}\neu eu-west ${B}\n`);
    expect(loadProbeKey({ probeId: 'eu', region: 'eu-west', keyFile: rotating, env: {} })).toBe(B);
  });

  it('falls back to EDGESTEER_PROBE_KEY, and to nothing', () => {
    expect(loadProbeKey({ probeId: 'eu', env: { EDGESTEER_PROBE_KEY: A } })).toBe(A);
    expect(loadProbeKey({ probeId: 'eu', env: {} })).toBeUndefined();
  });

  it.each([
    { name: 'the file lacks the key', src: { probeId: 'ap', keyFile: file }, code: 'E_PROBE_KEY_MISSING', message: /"ap".*eu, us/ },
    { name: 'the key is bound to another region', src: { probeId: 'eu', region: 'us-east', keyFile: file }, code: 'E_PROBE_KEY_REGION', message: /bound to region "eu-west".*reports for "us-east"/ },
    { name: 'the file is group-readable', src: { probeId: 'eu', keyFile: keyFile('group', `eu eu-west ${A}\n`, 0o640) }, code: 'E_KEYS_PERMS', message: /chmod 600/ },
    { name: 'the file has the old format', src: { probeId: 'eu', keyFile: keyFile('old', `eu=${A}\n`) }, code: 'E_KEYS_INVALID', message: /old id=secret format/ },
  ])('refuses when $name', ({ src, code, message }) => {
    expect(() => loadProbeKey({ ...src, env: {} })).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('refuses a weak EDGESTEER_PROBE_KEY', () => {
    expect(() => loadProbeKey({ probeId: 'eu', env: { EDGESTEER_PROBE_KEY: 'abc' } })).toThrow(expect.objectContaining({ code: 'E_KEYS_INVALID' }));
  });
});
