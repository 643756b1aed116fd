/**
 * Probe HMAC keys for verifying reports: `id=secret` pairs from
 * EDGESTEER_PROBE_KEYS (comma-separated) or a key file. The file formats are
 * the probe agent's (probes/src/keys.ts), so one file serves both sides:
 * lines of `probe-id=secret` (blank lines and `#` comments ignored) or a JSON
 * object `{"probe-id": "secret" | ["old", "new"]}`. An id listed more than
 * once is a key rotation: every listed secret is accepted.
 */
import { readFileSync, statSync } from 'node:fs';
import { ControlError } from './errors.js';

/** Probe id → accepted secrets. */
export type ProbeKeys = ReadonlyMap<string, readonly string[]>;

/** Shortest accepted secret (same bound as the probe's). */
export const MIN_KEY_LENGTH = 16;

function add(keys: Map<string, string[]>, id: string, secret: string, where: string): void {
  if (!id || !secret) throw new ControlError('E_KEYS_INVALID', `${where}: expected probe-id=secret`);
  if (secret.length < MIN_KEY_LENGTH) {
    throw new ControlError('E_KEYS_INVALID', `${where}: the secret for probe "${id}" is shorter than ${MIN_KEY_LENGTH} characters; use e.g. \`openssl rand -hex 32\``);
  }
  keys.set(id, [...(keys.get(id) ?? []), secret]);
}

function addPair(keys: Map<string, string[]>, item: string, where: string): void {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new ControlError('E_KEYS_INVALID', `${where}: expected probe-id=secret, got "${item.slice(0, 24)}${item.length > 24 ? '…' : ''}"`);
  add(keys, item.slice(0, eq).trim(), item.slice(eq + 1).trim(), where);
}

/** Parses EDGESTEER_PROBE_KEYS (`id=secret,id2=secret2`) or key file text (lines or JSON). */
export function parseProbeKeys(text: string, source: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new ControlError('E_KEYS_INVALID', `${source}: not valid JSON: ${(err as Error).message}`);
    }
    for (const [id, value] of Object.entries(json as Record<string, unknown>)) {
      const secrets = Array.isArray(value) ? value : [value];
      if (secrets.length === 0 || !secrets.every((s): s is string => typeof s === 'string')) {
        throw new ControlError('E_KEYS_INVALID', `${source}: key of probe "${id}" must be a string or a list of strings`);
      }
      for (const s of secrets) add(keys, id, s, source);
    }
    return keys;
  }
  trimmed.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    for (const item of line.split(',')) if (item.trim() !== '') addPair(keys, item.trim(), `${source}:${i + 1}`);
  });
  return keys;
}

/** Reads a key file, refusing one that other users can read (a leaked key lets anyone forge reports). */
export function readProbeKeyFile(file: string): Map<string, string[]> {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ControlError('E_KEYS_INVALID', `cannot read key file ${file}: ${(err as Error).message}`, { cause: err });
  }
  if ((mode & 0o007) !== 0) {
    throw new ControlError('E_KEYS_INVALID', `key file ${file} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); run \`chmod 600 ${file}\``);
  }
  return parseProbeKeys(text, file);
}

/**
 * Loads keys from a key file if given, else from EDGESTEER_PROBE_KEYS.
 * Throws E_KEYS_INVALID when neither yields a key: a controller that
 * accepts no reports would silently serve the assume-up table forever.
 */
export function loadProbeKeys(opts: { keyFile?: string | undefined; env?: NodeJS.ProcessEnv }): Map<string, string[]> {
  const env = opts.env ?? process.env;
  const keys = opts.keyFile ? readProbeKeyFile(opts.keyFile) : parseProbeKeys(env['EDGESTEER_PROBE_KEYS'] ?? '', 'EDGESTEER_PROBE_KEYS');
  if (keys.size === 0) {
    throw new ControlError(
      'E_KEYS_INVALID',
      'no probe keys configured: set EDGESTEER_PROBE_KEYS="probe-id=secret,..." or pass --key-file FILE (lines of probe-id=secret)',
    );
  }
  return keys;
}
