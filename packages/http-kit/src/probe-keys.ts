/**
 * The probe key format, runtime-neutral (the Worker on workerd parses
 * EDGESTEER_PROBE_KEYS with it; Node processes read key files through
 * `@edgesteer/http-kit/node`'s loadProbeKeys, which uses it). One format
 * for every side: the probe, the controller, the Worker and the DNS server.
 *
 * One key per line (or comma-separated in the environment variable):
 *
 *     # id          region    secret (≥ 16 characters, e.g. `openssl rand -hex 32`)
 *     probe-eu      eu-west   3f6c0a…
 *
 * A key speaks for exactly one region: receivers refuse a report signed
 * with it for any other region. An id listed twice (same region) is a
 * rotation: receivers accept both secrets during the rotation window, a
 * probe signs with the last one listed. Blank lines and `#` comments (a
 * whole line, or after whitespace) are ignored. Messages never quote a
 * secret, at most the first 8 characters of a bad entry.
 */
import type { ProbeKey } from '@edgesteer/core';

/** Shortest accepted secret: HMAC with a guessable key proves nothing. */
export const MIN_PROBE_KEY_LENGTH = 16;

/** Stable codes of key problems. */
export type ProbeKeyErrorCode = 'E_KEYS_INVALID' | 'E_KEYS_PERMS' | 'E_KEYS_UNREADABLE' | 'E_KEYS_MISSING';

/** A key file or key list that cannot be used; the message names the source and line, never a secret. */
export class ProbeKeyError extends Error {
  override readonly name = 'ProbeKeyError';
  constructor(
    readonly code: ProbeKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Key id → its region and secrets (oldest first). */
export type ProbeKeyMap = Map<string, ProbeKey>;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The problem with `secret` as the key of probe `id`, or undefined when it is long enough. */
export function weakProbeKey(id: string, secret: string, where: string): string | undefined {
  if (secret.length >= MIN_PROBE_KEY_LENGTH) return undefined;
  return `${where}: the secret for probe "${id}" has ${secret.length} characters, shorter than ${MIN_PROBE_KEY_LENGTH}; use at least ${MIN_PROBE_KEY_LENGTH} (e.g. \`openssl rand -hex 32\`)`;
}

const invalid = (message: string) => new ProbeKeyError('E_KEYS_INVALID', message);

/**
 * Parses key text (see module doc); `source` names it (file path or
 * environment variable) in messages, with the line number. Throws
 * {@link ProbeKeyError} `E_KEYS_INVALID`.
 */
export function parseProbeKeys(text: string, source: string): ProbeKeyMap {
  const keys: ProbeKeyMap = new Map();
  if (text.trim().startsWith('{')) {
    throw invalid(`${source}: JSON key files are no longer read; write one "id region secret" line per key (a key speaks for one region), e.g. "probe-eu eu-west <secret>"`);
  }
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const where = `${source}:${i + 1}`;
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    for (const entry of content.split(',')) {
      const item = entry.trim();
      if (item === '') continue;
      const fields = item.split(/\s+/);
      if (fields.length === 1 && item.includes('=')) {
        const id = item.slice(0, item.indexOf('=')).trim();
        throw invalid(
          `${where}: "${id.slice(0, 32)}=…" is the old id=secret format; a key now names the one region it reports for: "${id.slice(0, 32)} <region> <secret>" (e.g. "${id.slice(0, 32)} eu-west …"). Migrate with: sed -E 's/^([^=#]+)=(.*)$/\\1 REGION \\2/' and set each REGION`,
        );
      }
      if (fields.length !== 3) throw invalid(`${where}: expected "id region secret", got ${fields.length} field(s) in an entry starting "${item.slice(0, 8)}"`);
      const [id, region, secret] = fields as [string, string, string];
      if (!ID.test(id)) throw invalid(`${where}: probe id "${id.slice(0, 32)}" must be letters, digits, ".", "_" or "-" (at most 128)`);
      if (!REGION.test(region)) throw invalid(`${where}: region "${region.slice(0, 32)}" of probe "${id}" is not a region id (lowercase letters, digits, "-")`);
      const weak = weakProbeKey(id, secret, where);
      if (weak) throw invalid(weak);
      const prev = keys.get(id);
      if (prev && prev.region !== region) {
        throw invalid(`${where}: probe "${id}" is listed for region "${prev.region}" and for "${region}"; a key speaks for one region (a rotation repeats the id with the same region)`);
      }
      keys.set(id, { region, secrets: [...(prev?.secrets ?? []), secret] });
    }
  }
  return keys;
}

/** The line of a key file for `id` (what `edgesteer run` writes and the docs show). */
export function formatProbeKeyLine(id: string, region: string, secret: string): string {
  return `${id} ${region} ${secret}`;
}
