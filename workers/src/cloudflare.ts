/**
 * The Cloudflare Workers entry (wrangler.toml `main`). Builds the app once
 * per isolate from the bindings:
 *  - EDGESTEER_STATE   Durable Object namespace (state, see durable-store.ts)
 *  - EDGESTEER_PROBE_KEYS  secret: `probe-id region secret,...` (wrangler secret put)
 *  - POLICY_URL        var: fetch the policy from here instead of the bundle
 *  - POLICY_TTL_SECONDS var: refetch interval for POLICY_URL (default 60)

 * The client map (compiled by scripts/bundle-policy.mjs from the policy and
 * its GeoIP database) is bundled as a Data module; request.cf is used only
 * when the connecting address tells nothing (client-region.ts).
 *  - STATE_CACHE_MS    var: per-isolate reuse of the state read (default 1000)
 *  - REFRESH_MS        var: re-decide when the table is older (default 1000)
 */
import bundle from 'edgesteer-bundled-policy';
import mapBytes from '../generated/client-map.bin';
import { ClientMap, compileClientMap } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy/neutral';
import { createWorkerApp, type WorkerApp } from './app.js';
import type { CfLocation } from './client-region.js';
import { DurableObjectStateStore, type EdgesteerState } from './durable-store.js';
import { WorkerError } from './errors.js';
import { consoleJsonLogger } from './log.js';
import { bundledPolicySource, urlPolicySource, type PolicySource } from './policy-source.js';
import { parseProbeKeys } from './probe-keys.js';

export { EdgesteerState } from './durable-store.js';

/** Bindings declared in wrangler.toml (plus the secret). */
export interface Env {
  EDGESTEER_STATE: DurableObjectNamespace<EdgesteerState>;
  EDGESTEER_PROBE_KEYS?: string;
  POLICY_URL?: string;
  POLICY_TTL_SECONDS?: string;
  STATE_CACHE_MS?: string;
  REFRESH_MS?: string;
}

const log = consoleJsonLogger();

function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function policySource(env: Env): PolicySource {
  if (env.POLICY_URL) return urlPolicySource({ url: env.POLICY_URL, ttlMs: numberVar(env.POLICY_TTL_SECONDS, 60) * 1000, now: Date.now });
  if (!bundle) throw new WorkerError('E_POLICY_UNAVAILABLE', 'no policy bundled and POLICY_URL is not set: deploy with `npm run deploy -w @edgesteer/worker` (bundles config/policy.yaml) or set POLICY_URL');
  return bundledPolicySource(bundle, Date.now);
}

/**
 * The bundled client map for a policy whose regions it was compiled for; a
 * policy with other regions (a newer one from POLICY_URL) gets its own
 * policy-only map until the Worker is deployed again.
 */
function clientMaps(): (policy: Policy) => ClientMap {
  let bundled: ClientMap | undefined;
  if (bundle?.clientMap && mapBytes.byteLength > 0) {
    try {
      bundled = ClientMap.deserialize(new Uint8Array(mapBytes), bundle.clientMap.hash);
    } catch (err) {
      log.error({ event: 'client_map_rejected', code: 'E_CORE_CLIENT_MAP_CORRUPT', detail: (err as Error).message }, 'bundled client map does not load; answering from the policy alone');
    }
  }
  const own = new WeakMap<Policy, ClientMap>();
  return (policy) => {
    if (bundled && bundled.regions.length === policy.regions.length && policy.regions.every((r, i) => r.id === bundled!.regions[i])) return bundled;
    let m = own.get(policy);
    if (!m) {
      m = compileClientMap(policy);
      own.set(policy, m);
      if (bundled) log.warn({ event: 'client_map_mismatch', clientMapHash: m.hash }, 'the policy\'s regions differ from the bundled client map; answering from the policy alone until the next deploy');
    }
    return m;
  };
}

function build(env: Env): WorkerApp {
  return createWorkerApp({
    store: new DurableObjectStateStore(env.EDGESTEER_STATE),
    policy: policySource(env),
    // Without keys every report is refused (401): the Worker still answers from the assume-up table.
    keys: parseProbeKeys(env.EDGESTEER_PROBE_KEYS ?? ''),
    clock: Date.now,
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    cfLocation: (c) => (c.req.raw as Request & { cf?: CfLocation }).cf,
    clientMap: clientMaps(),
    log,
    engine: { cacheMs: numberVar(env.STATE_CACHE_MS, 1000), refreshMs: numberVar(env.REFRESH_MS, 1000) },
  });
}

/** Built on the first request of an isolate: bindings and vars are fixed for an isolate's life. */
let built: WorkerApp | undefined;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (!built) {
      try {
        built = build(env);
      } catch (err) {
        // Not cached: the next request tries again (e.g. after a secret is fixed).
        const code = err instanceof WorkerError ? err.code : 'E_INTERNAL';
        const message = err instanceof Error ? err.message : String(err);
        log.error({ event: 'startup_failed', code, detail: message }, message);
        return new Response(JSON.stringify({ ok: false, error: { code, message } }), { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' } });
      }
    }
    return built.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
