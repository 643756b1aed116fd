/**
 * The Worker, for DoH load: in workerd (wrangler dev on the project's
 * workers/ app, with the bench policy bundled) and on Node (`edgesteer
 * worker --policy FILE --listen`).
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startProcess } from '../procs.mjs';
import { waitForHttp } from '../ready.mjs';
import { freePort } from '../ports.mjs';
import { writeBenchPolicy } from '../policy.mjs';
import { CLI, NODE, ROOT, cliSupports } from '../cli.mjs';

export const workerNode = {
  id: 'worker-node',
  label: 'edgesteer worker on Node 24 (Hono app via @hono/node-server getRequestListener, node:http HTTP/1.1 + h2c)',
  async available() { return cliSupports('worker', ['--policy', '--listen']); },
  async start(ctx) {
    const dir = join(ctx.dir, `worker-node-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const policy = writeBenchPolicy(join(dir, 'policy.yaml'), { edgePort: ctx.edgePort, setting: 'default' });
    const port = await freePort();
    const proc = startProcess('edgesteer worker', NODE, [CLI, 'worker', '--policy', policy, '--listen', `127.0.0.1:${port}`], {
      cwd: ROOT, env: { ...process.env, EDGESTEER_LOG_LEVEL: 'warn' }, logFile: join(dir, 'worker.log'),
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/healthz`, proc);
    return { baseUrl, pgids: [proc.pid], stop: () => proc.stop() };
  },
};

const WRANGLER = ROOT + 'node_modules/.bin/wrangler';
const WORKERS_TOML = ROOT + 'workers/wrangler.toml';
const BUNDLER = ROOT + 'workers/scripts/bundle-policy.mjs';

/**
 * The project's wrangler.toml with paths made absolute, the policy alias
 * pointed at the bench's bundle, and no [build] step (the bench bundles the
 * policy itself), so nothing is written inside workers/.
 */
export function benchWranglerToml(text, bundlePath) {
  const lines = [];
  let skipping = false;
  let named = false;
  for (const line of text.split('\n')) {
    if (/^\[build\]/.test(line)) { skipping = true; continue; }
    if (skipping && /^\[/.test(line)) skipping = false;
    if (skipping) continue;
    lines.push(line
      .replace(/^main\s*=\s*"([^"]+)"/, (_, m) => `main = "${ROOT}workers/${m}"`)
      .replace(/^name\s*=\s*"[^"]*"/, (m) => { if (named) return m; named = true; return 'name = "edgesteer-bench"'; })
      .replace(/"\.\/generated\/policy\.json"/, JSON.stringify(bundlePath)));
  }
  return lines.join('\n');
}

/** Environment that keeps wrangler on loopback: no metrics, no cf fetch, no update check. */
function wranglerEnv(extra) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    // update-check reads the npm registry from here: point it at a closed local port.
    npm_config_registry: 'http://127.0.0.1:9/',
    CI: '1',
    ...extra,
  };
}

export const workerWorkerd = {
  id: 'worker-workerd',
  label: 'Worker in workerd (wrangler dev)',
  async available() {
    for (const f of [WRANGLER, WORKERS_TOML, BUNDLER, ROOT + 'workers/src/cloudflare.ts']) {
      if (!existsSync(f)) return { ok: false, reason: `${f.replace(ROOT, '')} not found` };
    }
    return { ok: true };
  },
  async start(ctx) {
    const dir = join(ctx.dir, `worker-workerd-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const policy = writeBenchPolicy(join(dir, 'policy.yaml'), { edgePort: ctx.edgePort, setting: 'default' });
    const bundle = join(dir, 'policy.json');
    const b = spawnSync(NODE, [BUNDLER], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, EDGESTEER_POLICY: policy, EDGESTEER_POLICY_BUNDLE: bundle } });
    if (b.status !== 0) throw new Error(`E_BENCH_START: bundling the policy for the Worker failed: ${(b.stderr || b.stdout).trim()}`);
    const toml = join(dir, 'wrangler.toml');
    writeFileSync(toml, benchWranglerToml(readFileSync(WORKERS_TOML, 'utf8'), bundle));
    const port = await freePort();
    const proc = startProcess('wrangler dev', NODE, [WRANGLER, 'dev', '--config', toml, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'), '--log-level', 'warn', '--show-interactive-dev-session=false'], {
      cwd: dir,
      env: wranglerEnv({}),
      logFile: join(dir, 'wrangler.log'),
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/healthz`, proc, 90_000);
    return { baseUrl, pgids: [proc.pid], stop: () => proc.stop(5000) };
  },
};

export const workerRuntimes = [workerWorkerd, workerNode];
