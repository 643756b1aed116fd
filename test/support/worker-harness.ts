/**
 * Running the Worker for end-to-end tests: in workerd through `wrangler dev`
 * (offline: no metrics, no banner update check, a local request.cf file),
 * and an h2c→HTTP/1.1 relay in front of it, because dig's DoH speaks HTTP/2
 * only and workerd's local server HTTP/1.1 only. On Cloudflare the edge
 * terminates HTTP/2 the same way before the Worker sees a request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

export interface WranglerDev {
  url: string;
  port: number;
  /** Everything wrangler printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** Policy file bundled by the [build] command (EDGESTEER_POLICY). */
  policyFile: string;
  /** wrangler --var NAME:VALUE pairs (secrets included, as in .dev.vars). */
  vars?: Record<string, string>;
  /** The request.cf object workerd hands the Worker. */
  cf?: Record<string, unknown>;
  startTimeoutMs?: number;
}

/**
 * Starts `wrangler dev` on workers/wrangler.toml with state, config and
 * caches under a fresh temp dir, and waits until /healthz answers.
 */
export async function startWranglerDev(opts: WranglerDevOptions): Promise<WranglerDev> {
  const dir = mkdtempSync(join(tmpdir(), 'edgesteer-wrangler-'));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const cfFile = join(dir, 'cf.json');
  writeFileSync(cfFile, JSON.stringify({ colo: 'DFW', country: 'US', continent: 'NA', asn: 64512, ...opts.cf }));
  const port = await freePort();
  const inspector = await freePort();
  const args = ['dev', '--config', join(ROOT, 'workers', 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', join(dir, 'state'), '--log-level', 'info'];
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`);
  let out = '';
  const child: ChildProcess = spawn(WRANGLER, args, {
    cwd: join(ROOT, 'workers'),
    // Own process group: stop() ends wrangler and the workerd it spawned, by group id.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      WRANGLER_LOG_PATH: join(dir, 'logs'),
      CLOUDFLARE_CF_FETCH_PATH: cfFile,
      EDGESTEER_POLICY: opts.policyFile,
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 45_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz within ${opts.startTimeoutMs ?? 45_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, output: () => out, stop };
}

/** An h2c (HTTP/2 prior knowledge) server relaying every request to `target` over HTTP/1.1. */
export interface H2cRelay {
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'content-length']);

export async function startH2cRelay(target: string): Promise<H2cRelay> {
  const server: Http2Server = createH2Server(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k.startsWith(':') || HOP_BY_HOP.has(k) || v === undefined) continue;
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const method = req.method;
      const upstream = await fetch(target + req.url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }), redirect: 'manual' });
      const body = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k)) out[k] = v;
      });
      res.writeHead(upstream.status, { ...out, 'content-length': String(body.length) });
      res.end(body);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`relay: ${(err as Error).message}`);
    }
  });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}
