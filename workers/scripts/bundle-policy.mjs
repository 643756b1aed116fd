#!/usr/bin/env node
// Bundles the policy into the Worker at deploy time: validates the policy
// file and writes generated/policy.json ({ file, text }), which wrangler.toml
// aliases as the module 'edgesteer-bundled-policy'. Runs as wrangler's
// [build] command, so `wrangler deploy` and `wrangler dev` always ship the
// current file. The policy comes from $EDGESTEER_POLICY, else
// config/policy.yaml at the repository root. An invalid policy stops the
// deploy with every problem listed.
//
// It also compiles the policy's client map (policy + GeoIP database, through
// @edgesteer/geo: the same compile the DNS server runs, so the same hash) and
// writes its bytes to generated/client-map.bin, which wrangler.toml aliases
// as the Data module 'edgesteer-bundled-client-map'. An unreadable database
// stops the deploy (E_GEO_DB_*).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const file = resolve(process.env.EDGESTEER_POLICY || resolve(root, 'config', 'policy.yaml'));
const out = resolve(process.env.EDGESTEER_POLICY_BUNDLE || resolve(here, '..', 'generated', 'policy.json'));
const mapOut = resolve(dirname(out), 'client-map.bin');

let policyPkg;
try {
  policyPkg = await import('@edgesteer/policy/neutral');
} catch (err) {
  console.error(`bundle-policy: E_BUILD_MISSING: @edgesteer/policy is not built (${err.message}); run \`npx tsc -b\` at the repository root first`);
  process.exit(1);
}
let text;
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  console.error(`bundle-policy: E_POLICY_READ: cannot read ${file}: ${err.code ?? err.message}; set EDGESTEER_POLICY to your policy file`);
  process.exit(1);
}
const shown = relative(root, file).startsWith('..') ? file : relative(root, file);
const result = policyPkg.parsePolicy(text, shown);
if (!result.ok) {
  console.error(`bundle-policy: E_POLICY_INVALID: ${shown} is invalid:`);
  for (const p of result.problems) console.error(`  ${policyPkg.formatProblem(p)}`);
  process.exit(1);
}
let compiled;
try {
  const geo = await import('@edgesteer/geo');
  compiled = geo.compileClientMapSync(result.policy, file);
} catch (err) {
  const code = err.code ?? 'E_BUILD_MISSING';
  console.error(`bundle-policy: ${code}: cannot compile the client map: ${err.message}${code === 'E_BUILD_MISSING' || err.code === 'ERR_MODULE_NOT_FOUND' ? '; run `npx tsc -b` at the repository root first' : ''}`);
  process.exit(1);
}
const map = compiled.map;
mkdirSync(dirname(out), { recursive: true });
// Write then rename, so a concurrent wrangler build never reads half a file.
const write = (target, data) => {
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, target);
};
// The map first: a build that reads the new policy must find its map.
write(mapOut, map.serialize());
write(out, JSON.stringify({ file: shown, text, clientMap: { hash: map.hash, source: map.source, bytes: map.stats.bytes } }) + '\n');
console.error(`bundle-policy: ${shown} → ${relative(process.cwd(), out) || out} (${result.policy.services.length} services, ${result.policy.edges.length} edges)`);
console.error(`bundle-policy: client map ${map.hash.slice(0, 12)} from ${compiled.database ?? 'the policy alone'}: ${map.stats.v4Ranges} IPv4 + ${map.stats.v6Ranges} IPv6 ranges, ${map.stats.bytes} bytes → ${relative(process.cwd(), mapOut) || mapOut}`);
