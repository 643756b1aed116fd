/**
 * Where HMAC keys come from: the environment or a key file, never the policy
 * (the policy is committed to git and shared; keys are secrets).
 *
 * - A probe needs its own key: `EDGESTEER_PROBE_KEY`, or its entry in a key file.
 * - A receiver needs every probe's key: `EDGESTEER_PROBE_KEYS=id=secret,id2=secret2`,
 *   or a key file.
 *
 * Key file formats are core's (parseProbeKeyText), the same the controller
 * and the Worker read: a JSON object `{"probe-id": "secret" | ["old", "new"]}`,
 * or `probe-id=secret` pairs by line or comma (blank lines and `#` comments
 * ignored). An id listed more than once is a key rotation: receivers accept
 * every listed secret, a probe signs with the last one. A key file that
 * other users can read is refused: a leaked key lets anyone forge reports.
 */
import { readFileSync, statSync } from 'node:fs';
import { keyFileModeProblem, MIN_PROBE_KEY_LENGTH, parseProbeKeyText, weakProbeKey, type ProbeKeyProblem } from '@edgesteer/core';
import { ProbeError } from './errors.js';

/** Shortest accepted secret: HMAC with a guessable key proves nothing. */
export const MIN_KEY_LENGTH = MIN_PROBE_KEY_LENGTH;

export const PROBE_KEY_ENV = 'EDGESTEER_PROBE_KEY';
export const PROBE_KEYS_ENV = 'EDGESTEER_PROBE_KEYS';

/** Probe id → accepted secrets, oldest first (several during a rotation). */
export type KeyRing = Map<string, string[]>;

function keyError(problem: ProbeKeyProblem): ProbeError {
  return new ProbeError(problem.kind === 'weak' ? 'E_PROBE_KEY_WEAK' : 'E_PROBE_KEY_FORMAT', problem.message);
}

/** Parses a key file's text (JSON object or `id=secret` pairs); throws E_PROBE_KEY_FORMAT / E_PROBE_KEY_WEAK. */
export function parseKeyFile(text: string, file: string): KeyRing {
  const r = parseProbeKeyText(text, file);
  if (!r.ok) throw keyError(r.problem);
  return r.keys;
}

/** Parses `id=secret,id2=secret2` (EDGESTEER_PROBE_KEYS): the key file grammar. */
export const parseKeyList: (text: string, where: string) => KeyRing = parseKeyFile;

/** Reads a key file, refusing one that users other than its owner (and group) can read. */
export function readKeyFile(file: string): KeyRing {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new ProbeError('E_PROBE_KEYFILE', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const perms = keyFileModeProblem(file, mode);
  if (perms) throw new ProbeError('E_PROBE_KEYFILE_PERMS', perms);
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
    const weak = weakProbeKey(src.probeId, key, PROBE_KEY_ENV);
    if (weak) throw keyError(weak);
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
