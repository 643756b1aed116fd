/**
 * This probe's signing key. Keys come from the environment or a key file,
 * never the policy (the policy is committed and shared; keys are secrets).
 * The key file format and its loader are http-kit's, the same every
 * receiver reads (`id region secret` lines, chmod 600): see probes/README.md.
 */
import { loadProbeKeys, ProbeKeyError, weakProbeKey } from '@edgesteer/http-kit/node';
import { ProbeError } from './errors.js';

export const PROBE_KEY_ENV = 'EDGESTEER_PROBE_KEY';

export interface ProbeKeySource {
  probeId: string;
  /** The region this probe reports for; the key file entry must be bound to it. */
  region?: string;
  keyFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * This probe's signing key: its `--key-file` entry first (explicit beats
 * ambient; the newest secret of a rotation, i.e. the last listed), then
 * EDGESTEER_PROBE_KEY. Undefined when neither is set. Throws ProbeError
 * with the loader's code (E_KEYS_INVALID, E_KEYS_PERMS, E_KEYS_UNREADABLE),
 * E_PROBE_KEY_MISSING or E_PROBE_KEY_REGION.
 */
export function loadProbeKey(src: ProbeKeySource): string | undefined {
  const env = src.env ?? process.env;
  if (src.keyFile) {
    let keys;
    try {
      keys = loadProbeKeys({ keyFile: src.keyFile });
    } catch (err) {
      if (err instanceof ProbeKeyError) throw new ProbeError(err.code, err.message);
      throw err;
    }
    const key = keys.get(src.probeId);
    if (key === undefined) {
      const ids = [...keys.keys()];
      throw new ProbeError('E_PROBE_KEY_MISSING', `key file ${src.keyFile} has no key for probe "${src.probeId}" (it has: ${ids.join(', ') || 'none'}); pass --probe-id or add "${src.probeId} ${src.region ?? '<region>'} <secret>"`);
    }
    if (src.region !== undefined && key.region !== src.region) {
      throw new ProbeError('E_PROBE_KEY_REGION', `key "${src.probeId}" in ${src.keyFile} is bound to region "${key.region}", but this probe reports for "${src.region}"; receivers would refuse every report`);
    }
    return key.secrets.at(-1);
  }
  const key = env[PROBE_KEY_ENV];
  if (key !== undefined && key !== '') {
    const weak = weakProbeKey(src.probeId, key, PROBE_KEY_ENV);
    if (weak) throw new ProbeError('E_KEYS_INVALID', weak);
    return key;
  }
  return undefined;
}
