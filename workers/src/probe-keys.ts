/**
 * EDGESTEER_PROBE_KEYS for the Worker: http-kit's one key format
 * (`id region secret` entries, comma- or newline-separated), with a problem
 * turned into the Worker's E_KEYS_INVALID so it surfaces like its other
 * configuration errors. Node processes read key files through
 * `@edgesteer/http-kit/node`'s loadProbeKeys instead.
 */
import type { ProbeKeys } from '@edgesteer/core';
import { parseProbeKeys as parseKeyText, ProbeKeyError, type ProbeKeyMap } from '@edgesteer/http-kit';
import { WorkerError } from './errors.js';

export type { ProbeKeys };

/** Parses the key list; throws E_KEYS_INVALID naming the bad entry (never the secret). */
export function parseProbeKeys(text: string, source = 'EDGESTEER_PROBE_KEYS'): ProbeKeyMap {
  try {
    return parseKeyText(text, source);
  } catch (err) {
    if (err instanceof ProbeKeyError) throw new WorkerError('E_KEYS_INVALID', err.message);
    throw err;
  }
}
