import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProbeKeys, readProbeKeyFile } from './probe-key-file.js';

const dir = mkdtempSync(join(tmpdir(), 'es-keyfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = 'secret-a-0123456789';

function keyFile(name: string, text: string, mode: number): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

describe('readProbeKeyFile (the one loader of every Node process)', () => {
  it('reads a 600 file', () => {
    expect(readProbeKeyFile(keyFile('ok', `eu eu-west ${A}\n`, 0o600)).get('eu')).toEqual({ region: 'eu-west', secrets: [A] });
  });

  // 640 was accepted before although the docs say 600: every group member could forge reports.
  it.each([0o640, 0o604, 0o660, 0o644, 0o620])('refuses mode %o with E_KEYS_PERMS and the chmod to run', (mode) => {
    const f = keyFile(`m${mode.toString(8)}`, `eu eu-west ${A}\n`, mode);
    expect(() => readProbeKeyFile(f)).toThrow(expect.objectContaining({ code: 'E_KEYS_PERMS', message: expect.stringContaining(`chmod 600 ${f}`) }));
  });

  it('says which file is missing', () => {
    expect(() => readProbeKeyFile(join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'E_KEYS_UNREADABLE', message: expect.stringContaining('ENOENT') }));
  });

  it('falls back to EDGESTEER_PROBE_KEYS, and to nothing', () => {
    expect(loadProbeKeys({ env: { EDGESTEER_PROBE_KEYS: `eu eu-west ${A}` } }).get('eu')?.region).toBe('eu-west');
    expect(loadProbeKeys({ env: {} }).size).toBe(0);
  });
});
