/**
 * The one probe key loader of every Node process (probe, controller, Worker
 * on Node, DNS server): a key file, else EDGESTEER_PROBE_KEYS, in the
 * format of `../probe-keys.ts`. A key file that anyone but its owner can
 * read or write is refused: the docs say `chmod 600`, and a group-readable
 * secret lets every member of the group forge reports.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseProbeKeys, ProbeKeyError, type ProbeKeyMap } from '@edgesteer/http-kit';

/** Environment variable a receiver reads its keys from when no key file is given. */
export const PROBE_KEYS_ENV = 'EDGESTEER_PROBE_KEYS';

/** Why a key file with permission bits `mode` is refused, or undefined when only its owner can use it. */
export function keyFileModeProblem(file: string, mode: number): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  return `key file ${file} is accessible by group or other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); run \`chmod 600 ${file}\``;
}

/** Reads and parses a key file; throws ProbeKeyError E_KEYS_UNREADABLE, E_KEYS_PERMS or E_KEYS_INVALID. */
export function readProbeKeyFile(file: string): ProbeKeyMap {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProbeKeyError('E_KEYS_UNREADABLE', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const perms = keyFileModeProblem(file, mode);
  if (perms) throw new ProbeKeyError('E_KEYS_PERMS', perms);
  return parseProbeKeys(text, file);
}

/**
 * Every key, for a receiver or a probe: `keyFile` when given, else
 * EDGESTEER_PROBE_KEYS from `env` (default process.env); empty when neither
 * is set (the caller decides whether that is an error).
 */
export function loadProbeKeys(src: { keyFile?: string | undefined; env?: Readonly<Record<string, string | undefined>> } = {}): ProbeKeyMap {
  if (src.keyFile) return readProbeKeyFile(src.keyFile);
  const text = (src.env ?? process.env)[PROBE_KEYS_ENV];
  return text ? parseProbeKeys(text, PROBE_KEYS_ENV) : new Map();
}
