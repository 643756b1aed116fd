/**
 * Where HMAC keys come from: the environment or a key file, never the policy
 * (the policy is committed to git and shared; keys are secrets).
 *
 * - A probe needs its own key: `EDGESTEER_PROBE_KEY`, or its entry in a key file.
 * - A receiver needs every probe's key: `EDGESTEER_PROBE_KEYS=id=secret,id2=secret2`,
 *   or a key file.
 *
 * Key file formats: a JSON object `{"probe-id": "secret" | ["old", "new"]}`,
 * or lines of `probe-id=secret` (blank lines and `#` comments ignored; the
 * same format the controller reads). An id listed more than once is a key
 * rotation: receivers accept every listed secret, a probe signs with the last
 * one. A key file that other users can read is refused: a leaked key lets
 * anyone forge reports.
 */
import { readFileSync, statSync } from 'node:fs';
import { ProbeError } from './errors.js';

/** Shortest accepted secret: HMAC with a guessable key proves nothing. */
export const MIN_KEY_LENGTH = 16;

export const PROBE_KEY_ENV = 'EDGESTEER_PROBE_KEY';
export const PROBE_KEYS_ENV = 'EDGESTEER_PROBE_KEYS';

function checkKey(id: string, secret: string, where: string): void {
  if (secret.length < MIN_KEY_LENGTH) {
    throw new ProbeError('E_PROBE_KEY_WEAK', `key for probe "${id}" in ${where} is ${secret.length} characters; use at least ${MIN_KEY_LENGTH} (e.g. \`openssl rand -hex 32\`)`);
  }
}

/** Probe id → accepted secrets, oldest first (several during a rotation). */
export type KeyRing = Map<string, string[]>;

function add(ring: KeyRing, id: string, secret: string, where: string): void {
  checkKey(id, secret, where);
  ring.set(id, [...(ring.get(id) ?? []), secret]);
}

function addPair(ring: KeyRing, item: string, where: string): void {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new ProbeError('E_PROBE_KEY_FORMAT', `${where}: expected "probe-id=secret", got "${item.slice(0, 24)}${item.length > 24 ? '…' : ''}"`);
  add(ring, item.slice(0, eq).trim(), item.slice(eq + 1).trim(), where);
}

/** Parses `id=secret,id2=secret2` (EDGESTEER_PROBE_KEYS). */
export function parseKeyList(text: string, where: string): KeyRing {
  const ring: KeyRing = new Map();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item !== '') addPair(ring, item, where);
  }
  return ring;
}

/** Parses a key file's text (JSON object or `id=secret` lines). */
export function parseKeyFile(text: string, file: string): KeyRing {
  const trimmed = text.trim();
  const ring: KeyRing = new Map();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new ProbeError('E_PROBE_KEY_FORMAT', `${file}: not valid JSON: ${(err as Error).message}`);
    }
    for (const [id, value] of Object.entries(json as Record<string, unknown>)) {
      const secrets = Array.isArray(value) ? value : [value];
      if (secrets.length === 0 || !secrets.every((x): x is string => typeof x === 'string')) {
        throw new ProbeError('E_PROBE_KEY_FORMAT', `${file}: key of probe "${id}" must be a string or a list of strings`);
      }
      for (const secret of secrets) add(ring, id, secret, file);
    }
    return ring;
  }
  trimmed.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) addPair(ring, line, `${file}:${i + 1}`);
  });
  return ring;
}

/** Reads a key file, refusing one that users other than its owner (and group) can read. */
export function readKeyFile(file: string): KeyRing {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new ProbeError('E_PROBE_KEYFILE', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if ((mode & 0o007) !== 0) {
    throw new ProbeError(
      'E_PROBE_KEYFILE_PERMS',
      `key file ${file} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); run \`chmod 600 ${file}\``,
    );
  }
  return parseKeyFile(readFileSync(file, 'utf8'), file);
}

export interface ProbeKeySource {
  probeId: string;
  keyFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * This probe's signing key: `--key-file` entry for probeId first (explicit
 * beats ambient), then EDGESTEER_PROBE_KEY. Undefined when neither is set.
 */
export function loadProbeKey(src: ProbeKeySource): string | undefined {
  const env = src.env ?? process.env;
  if (src.keyFile) {
    const keys = readKeyFile(src.keyFile);
    // During a rotation the newest secret is listed last.
    const key = keys.get(src.probeId)?.at(-1);
    if (key === undefined) {
      const ids = [...keys.keys()];
      throw new ProbeError('E_PROBE_KEY_MISSING', `key file ${src.keyFile} has no key for probe "${src.probeId}" (it has: ${ids.join(', ') || 'none'}); pass --probe-id or add "${src.probeId}=<secret>"`);
    }
    return key;
  }
  const key = env[PROBE_KEY_ENV];
  if (key !== undefined && key !== '') {
    checkKey(src.probeId, key, PROBE_KEY_ENV);
    return key;
  }
  return undefined;
}

/**
 * Every probe's keys, for a receiver (pass `(id) => ring.get(id)` to
 * verifyReport): `keyFile` if given, else EDGESTEER_PROBE_KEYS. Empty when
 * neither is set.
 */
export function loadReceiverKeys(src: { keyFile?: string; env?: Readonly<Record<string, string | undefined>> } = {}): KeyRing {
  if (src.keyFile) return readKeyFile(src.keyFile);
  const text = (src.env ?? process.env)[PROBE_KEYS_ENV];
  return text ? parseKeyList(text, PROBE_KEYS_ENV) : new Map();
}
