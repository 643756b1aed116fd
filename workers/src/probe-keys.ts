/**
 * Probe HMAC keys from EDGESTEER_PROBE_KEYS (or a key file's text): core's
 * format, the controller's and the probe's, so one secret value serves every
 * sink — `id=secret` pairs separated by commas or newlines (`#` starts a
 * comment), or a JSON object. An id may appear more than once during a key
 * rotation: every listed secret is accepted.
 */
import { parseProbeKeyText } from '@edgesteer/core';
import { WorkerError } from './errors.js';

/** Probe id → accepted secrets. */
export type ProbeKeys = ReadonlyMap<string, readonly string[]>;

/** Parses the key list; throws E_KEYS_INVALID naming the bad entry (never the secret). */
export function parseProbeKeys(text: string, source = 'EDGESTEER_PROBE_KEYS'): Map<string, string[]> {
  const r = parseProbeKeyText(text, source);
  if (!r.ok) throw new WorkerError('E_KEYS_INVALID', r.problem.message);
  return r.keys;
}
