/**
 * Where the Worker's policy comes from: bundled into the script at deploy
 * time (the default: no network dependency at request time), or fetched
 * from POLICY_URL and refreshed on an interval, keeping the last good copy
 * when the URL fails or serves an invalid policy.
 */
import { formatProblem, parsePolicy, type Policy } from '@edgesteer/policy/neutral';
import { WorkerError } from './errors.js';

/** A validated policy and where it came from. */
export interface LoadedPolicy {
  policy: Policy;
  /** File name or URL, for /healthz and logs. */
  source: string;
  /** When this copy was loaded (epoch ms). */
  loadedAt: number;
}

/** Supplies the current policy. */
export interface PolicySource {
  /** The policy to serve now; throws E_POLICY_UNAVAILABLE when there is none. */
  get(): Promise<LoadedPolicy>;
  /** The last refresh problem, if the source is serving an older copy (for /healthz). */
  lastError(): string | undefined;
}

/** Parses policy text, throwing E_POLICY_UNAVAILABLE with the validator's first problems. */
export function parsePolicyText(text: string, file: string): Policy {
  const result = parsePolicy(text, file);
  if (!result.ok) {
    const errors = result.problems.filter((p) => p.severity === 'error');
    const shown = errors.slice(0, 5).map(formatProblem).join('; ');
    throw new WorkerError('E_POLICY_UNAVAILABLE', `policy ${file} is invalid (${errors.length} error(s)): ${shown}`);
  }
  return result.policy;
}

/** A policy fixed for the life of the process (bundled, or loaded from a file on Node). */
export function staticPolicySource(policy: Policy, source: string, loadedAt = Date.now()): PolicySource {
  const loaded: LoadedPolicy = { policy, source, loadedAt };
  return { get: async () => loaded, lastError: () => undefined };
}

/**
 * The JSON module written by `npm run bundle-policy -w @edgesteer/worker`:
 * the policy file's text as the operator wrote it, validated again at start.
 */
export interface BundledPolicy {
  file: string;
  text: string;
}

/** Policy bundled into the script; parsed once per isolate. */
export function bundledPolicySource(bundle: BundledPolicy, now: () => number): PolicySource {
  let loaded: LoadedPolicy | undefined;
  return {
    async get() {
      loaded ??= { policy: parsePolicyText(bundle.text, bundle.file), source: `bundled:${bundle.file}`, loadedAt: now() };
      return loaded;
    },
    lastError: () => undefined,
  };
}

export interface UrlPolicySourceOptions {
  url: string;
  /** Refetch after this long. Default 60 s. */
  ttlMs?: number;
  /** Give up on one fetch after this long. Default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now: () => number;
}

/**
 * Policy fetched from a URL (YAML, or JSON when the path ends in .json).
 * Refreshes when older than the TTL; a failing refresh keeps the last good
 * copy and is reported by lastError(). Deliberately no shared in-flight
 * promise: on workerd a request must not await I/O started by another one.
 */
export function urlPolicySource(opts: UrlPolicySourceOptions): PolicySource {
  const ttlMs = opts.ttlMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const doFetch = opts.fetch ?? fetch;
  let loaded: LoadedPolicy | undefined;
  let checkedAt = -Infinity;
  let error: string | undefined;
  const file = new URL(opts.url).pathname.split('/').pop() || 'policy.yaml';

  async function load(): Promise<LoadedPolicy> {
    const res = await doFetch(opts.url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/yaml, application/json, text/plain' } });
    if (!res.ok) throw new WorkerError('E_POLICY_UNAVAILABLE', `GET ${opts.url} answered HTTP ${res.status}`);
    const text = await res.text();
    return { policy: parsePolicyText(text, file), source: opts.url, loadedAt: opts.now() };
  }

  return {
    async get() {
      if (loaded && opts.now() - checkedAt < ttlMs) return loaded;
      checkedAt = opts.now();
      try {
        loaded = await load();
        error = undefined;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        if (!loaded) {
          // Nothing to fall back on: retry on the next request rather than after a TTL.
          checkedAt = -Infinity;
          throw new WorkerError('E_POLICY_UNAVAILABLE', `no policy yet: ${error}`, { cause: err });
        }
        // Keep serving the last good copy; try again after another TTL, not on every request.
      }
      return loaded;
    },
    lastError: () => error,
  };
}
