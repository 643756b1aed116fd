/**
 * Probe HMAC keys for verifying reports: `id=secret` pairs from
 * EDGESTEER_PROBE_KEYS (comma-separated) or a key file. The format is core's
 * (parseProbeKeyText), shared with the probe agent and the Worker, so one
 * file serves every side: lines of `probe-id=secret` (blank lines and `#`
 * comments ignored) or a JSON object `{"probe-id": "secret" | ["old", "new"]}`.
 * An id listed more than once is a key rotation: every listed secret is
 * accepted.
 */
import { readFileSync, statSync } from 'node:fs';
import { keyFileModeProblem, MIN_PROBE_KEY_LENGTH, parseProbeKeyText } from '@edgesteer/core';
import { ControlError } from './errors.js';

/** Probe id → accepted secrets. */
export type ProbeKeys = ReadonlyMap<string, readonly string[]>;

/** Shortest accepted secret (core's bound, the probe's too). */
export const MIN_KEY_LENGTH = MIN_PROBE_KEY_LENGTH;

/** Parses EDGESTEER_PROBE_KEYS (`id=secret,id2=secret2`) or key file text (lines or JSON); throws E_KEYS_INVALID. */
export function parseProbeKeys(text: string, source: string): Map<string, string[]> {
  const r = parseProbeKeyText(text, source);
  if (!r.ok) throw new ControlError('E_KEYS_INVALID', r.problem.message);
  return r.keys;
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
  const perms = keyFileModeProblem(file, mode);
  if (perms) throw new ControlError('E_KEYS_INVALID', perms);
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
