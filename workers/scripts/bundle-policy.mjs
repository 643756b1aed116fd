#!/usr/bin/env node
// Bundles the policy into the Worker at deploy time: validates the policy
// file and writes generated/policy.json ({ file, text }), which wrangler.toml
// aliases as the module 'edgesteer-bundled-policy'. Runs as wrangler's
// [build] command, so `wrangler deploy` and `wrangler dev` always ship the
// current file. The policy comes from $EDGESTEER_POLICY, else
// config/policy.yaml at the repository root. An invalid policy stops the
// deploy with every problem listed.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const file = resolve(process.env.EDGESTEER_POLICY || resolve(root, 'config', 'policy.yaml'));
const out = resolve(process.env.EDGESTEER_POLICY_BUNDLE || resolve(here, '..', 'generated', 'policy.json'));

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
mkdirSync(dirname(out), { recursive: true });
// Write then rename, so a concurrent wrangler build never reads half a file.
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify({ file: shown, text }) + '\n');
renameSync(tmp, out);
console.error(`bundle-policy: ${shown} → ${relative(process.cwd(), out) || out} (${result.policy.services.length} services, ${result.policy.edges.length} edges)`);
