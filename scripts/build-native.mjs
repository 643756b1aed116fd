#!/usr/bin/env node
/**
 * Builds the DNS server's optional batched-UDP addon
 * (packages/dns-server/native/mmsg.cc → native/build/edgesteer_mmsg.node)
 * with g++, offline: Node's headers come from the `node` devDependency's
 * platform package (include/node), node-addon-api's from node_modules. npm ci
 * does not run install scripts here, so `npm run build`, `npm start` and
 * `npm test` call this. Never fails the build: without g++, headers or Linux
 * it says why and the server uses node:dgram.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'packages/dns-server/native');
const src = join(dir, 'mmsg.cc');
const out = join(dir, 'build/edgesteer_mmsg.node');
const say = (s) => process.stderr.write(`[build-native] ${s}\n`);

/** Node's C headers: the running node's own include dir, the `node` package's platform package, or a system install. */
function nodeInclude() {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node')];
  const nm = join(root, 'node_modules/node/node_modules');
  if (existsSync(nm)) for (const d of readdirSync(nm)) candidates.push(join(nm, d, 'include/node'));
  // Node-API is ABI-stable across versions: another install's headers build the same addon.
  candidates.push('/usr/local/include/node', '/usr/include/node');
  return candidates.find((c) => existsSync(join(c, 'node_api.h')));
}

function main() {
  if (process.platform !== 'linux') return say(`skipped: recvmmsg/sendmmsg are Linux-only (${process.platform}); the DNS server uses node:dgram`);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return;
  const include = nodeInclude();
  if (!include) return say('skipped: no Node headers (include/node/node_api.h); the DNS server uses node:dgram');
  let addonApi;
  try {
    addonApi = dirname(createRequire(join(root, 'packages/dns-server/package.json')).resolve('node-addon-api/package.json'));
  } catch {
    return say('skipped: node-addon-api is not installed; the DNS server uses node:dgram');
  }
  mkdirSync(dirname(out), { recursive: true });
  const args = ['-std=c++17', '-O2', '-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED', `-I${include}`, `-I${addonApi}`, src, '-o', out];
  const r = spawnSync(process.env.CXX ?? 'g++', args, { encoding: 'utf8' });
  if (r.error) return say(`skipped: ${r.error.code === 'ENOENT' ? 'no C++ compiler (g++)' : r.error.message}; the DNS server uses node:dgram`);
  if (r.status !== 0) return say(`build failed (the DNS server uses node:dgram):\n${r.stderr}`);
  say(`built ${out.slice(root.length)}`);
}

main();
