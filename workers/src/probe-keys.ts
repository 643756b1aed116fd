/**
 * Probe HMAC keys from EDGESTEER_PROBE_KEYS: `id=secret` pairs separated by
 * commas or newlines (`#` starts a comment). The same format as the
 * controller's, so one secret value serves both sinks. An id may appear more
 * than once during a key rotation: every listed secret is accepted.
 */
import { WorkerError } from './errors.js';

/** Probe id → accepted secrets. */
export type ProbeKeys = ReadonlyMap<string, readonly string[]>;

/** Parses the key list; throws E_KEYS_INVALID naming the bad entry (never the secret). */
export function parseProbeKeys(text: string, source = 'EDGESTEER_PROBE_KEYS'): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    if (!content) return;
    for (const entry of content.split(',')) {
      const item = entry.trim();
      if (!item) continue;
      const eq = item.indexOf('=');
      const id = eq > 0 ? item.slice(0, eq).trim() : '';
      const secret = eq > 0 ? item.slice(eq + 1).trim() : '';
      if (!id || !secret) throw new WorkerError('E_KEYS_INVALID', `${source}:${i + 1}: expected id=secret, got an entry starting "${item.slice(0, 8)}"`);
      if (secret.length < 16) {
        throw new WorkerError('E_KEYS_INVALID', `${source}:${i + 1}: the secret for probe "${id}" is shorter than 16 characters; use e.g. \`openssl rand -hex 32\``);
      }
      keys.set(id, [...(keys.get(id) ?? []), secret]);
    }
  });
  return keys;
}
