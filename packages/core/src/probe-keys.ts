/**
 * Probe HMAC keys as text: the one format the probe agent, the controller
 * and the Worker read, so one key file or EDGESTEER_PROBE_KEYS value serves
 * every side. Pure: reading files and checking their permissions is the
 * callers' (Node) job; each wraps a problem in its own error code.
 *
 * - A JSON object `{"probe-id": "secret" | ["old", "new"]}`, or
 * - `probe-id=secret` pairs separated by commas or newlines; blank lines and
 *   `#` comments (a whole line, or after whitespace) are ignored.
 *
 * An id listed more than once is a key rotation: receivers accept every
 * listed secret, a probe signs with the last one. Messages never quote a
 * secret, only at most the first 8 characters of an entry that is not a pair.
 */

/** Shortest accepted secret: HMAC with a guessable key proves nothing. */
export const MIN_PROBE_KEY_LENGTH = 16;

/** What is wrong with a key text: its shape (`format`) or a secret that is too short (`weak`). */
export interface ProbeKeyProblem {
  kind: 'format' | 'weak';
  /** Names the source (and line) and the probe id; says what to do. */
  message: string;
}

/** Probe id → secrets in the order listed (oldest first during a rotation). */
export type ProbeKeyMap = Map<string, string[]>;

export type ProbeKeyParse = { ok: true; keys: ProbeKeyMap } | { ok: false; problem: ProbeKeyProblem };

/** The problem with `secret` as the key of probe `id`, or undefined when it is long enough. */
export function weakProbeKey(id: string, secret: string, where: string): ProbeKeyProblem | undefined {
  if (secret.length >= MIN_PROBE_KEY_LENGTH) return undefined;
  return {
    kind: 'weak',
    message: `${where}: the secret for probe "${id}" has ${secret.length} characters, shorter than ${MIN_PROBE_KEY_LENGTH}; use at least ${MIN_PROBE_KEY_LENGTH} (e.g. \`openssl rand -hex 32\`)`,
  };
}

const formatProblem = (message: string): ProbeKeyParse => ({ ok: false, problem: { kind: 'format', message } });

/**
 * Parses key text (see module doc). `source` names where it came from (a
 * file path, an environment variable) in messages, with the line number for
 * the `id=secret` form.
 */
export function parseProbeKeyText(text: string, source: string): ProbeKeyParse {
  const keys: ProbeKeyMap = new Map();
  const add = (id: string, secret: string, where: string): ProbeKeyProblem | undefined => {
    const weak = weakProbeKey(id, secret, where);
    if (weak) return weak;
    keys.set(id, [...(keys.get(id) ?? []), secret]);
    return undefined;
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      // Never echo the parser's message: it quotes the input, i.e. secrets.
      const at = /position (\d+)/.exec((err as Error).message)?.[1];
      return formatProblem(`${source}: not valid JSON${at !== undefined ? ` (near character ${at})` : ''}; expected {"probe-id": "secret", …}`);
    }
    for (const [id, value] of Object.entries(json as Record<string, unknown>)) {
      const secrets = Array.isArray(value) ? value : [value];
      if (secrets.length === 0 || !secrets.every((s): s is string => typeof s === 'string')) {
        return formatProblem(`${source}: key of probe "${id}" must be a string or a list of strings`);
      }
      for (const s of secrets) {
        const problem = add(id, s, source);
        if (problem) return { ok: false, problem };
      }
    }
    return { ok: true, keys };
  }
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const where = `${source}:${i + 1}`;
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    for (const entry of content.split(',')) {
      const item = entry.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      const id = eq > 0 ? item.slice(0, eq).trim() : '';
      const secret = eq > 0 ? item.slice(eq + 1).trim() : '';
      if (!id || !secret) return formatProblem(`${where}: expected probe-id=secret, got an entry starting "${item.slice(0, 8)}"`);
      const problem = add(id, secret, where);
      if (problem) return { ok: false, problem };
    }
  }
  return { ok: true, keys };
}

/**
 * Why a key file with permission bits `mode` must be refused (other users
 * can read or write it: a leaked key lets anyone forge reports), or
 * undefined when only its owner and group can.
 */
export function keyFileModeProblem(file: string, mode: number): string | undefined {
  if ((mode & 0o007) === 0) return undefined;
  return `key file ${file} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); run \`chmod 600 ${file}\``;
}
