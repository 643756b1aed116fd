/**
 * The Cloudflare Workers entry (wrangler.toml `main`). Builds the app once
 * per isolate from the bindings:
 *  - EDGESTEER_STATE   Durable Object namespace (state, see durable-store.ts)
 *  - EDGESTEER_PROBE_KEYS  secret: `probe-id region secret,...` (wrangler secret put)
 *  - POLICY_URL        var: fetch the policy from here instead of the bundle
 *  - POLICY_TTL_SECONDS var: refetch interval for POLICY_URL (default 60)
 *  - CF_REGION_HINTS   var: JSON request.cf → region map (cf-hints.ts)
 *  - STATE_CACHE_MS    var: per-isolate reuse of the state read (default 1000)
 *  - REFRESH_MS        var: re-decide when the table is older (default 1000)
 */
import bundle from 'edgesteer-bundled-policy';
import { createWorkerApp, type WorkerApp } from './app.js';
import { parseCfHints, type CfLocation } from './cf-hints.js';
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
  CF_REGION_HINTS?: string;
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

function build(env: Env): WorkerApp {
  return createWorkerApp({
    store: new DurableObjectStateStore(env.EDGESTEER_STATE),
    policy: policySource(env),
    // Without keys every report is refused (401): the Worker still answers from the assume-up table.
    keys: parseProbeKeys(env.EDGESTEER_PROBE_KEYS ?? ''),
    clock: Date.now,
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    cfLocation: (c) => (c.req.raw as Request & { cf?: CfLocation }).cf,
    cfHints: parseCfHints(env.CF_REGION_HINTS),
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
