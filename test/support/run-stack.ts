/**
 * Starts `edgesteer run` on a private copy of config/policy.yaml for one test
 * file: the demo edges move to their own loopback addresses and a free port,
 * and every listener gets a free port, so test files using the stack can run
 * in parallel with each other and with test/run-e2e.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startCli, type Proc } from './processes.js';

/** The example policy the stack copies. */
export const EXAMPLE_POLICY = fileURLToPath(new URL('../../config/policy.yaml', import.meta.url));

/** Demo edges of the example policy and the last octet of their loopback address there. */
const EXAMPLE_EDGES = { use1: 11, euw1: 12, aps1: 13 } as const;
export type DemoEdgeId = keyof typeof EXAMPLE_EDGES;

export interface RunStackPorts {
  controller: number;
  worker: number;
  dns: number;
  control: number;
}

export interface RunStack {
  proc: Proc;
  dir: string;
  /** The policy file the stack runs on (a temp copy; edit it to test reloads). */
  policyFile: string;
  ports: RunStackPorts;
  /** Demo edge id → its IPv4 answer (and check address). */
  edgeIp: Record<DemoEdgeId, string>;
  controllerUrl: string;
  workerUrl: string;
  controlUrl: string;
  /** Process name (controller, worker, dns, probe-<region>) → its /metrics URL, from the banner. */
  metricsUrls: Record<string, string>;
  /** Ctrl-C, then remove the temp directory. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The example policy with the demo edges on 127.0.0.<octetBase + n> (n = 1..3)
 * and their checks on `port`.
 */
export function examplePolicyText(octetBase: number, port: number): string {
  let text = readFileSync(EXAMPLE_POLICY, 'utf8');
  for (const [, octet] of Object.entries(EXAMPLE_EDGES)) {
    text = text.replaceAll(`127.0.0.${octet}`, `127.0.0.${octetBase + (octet - 10)}`);
  }
  return text.replaceAll('port: 18080', `port: ${port}`);
}

/** Starts the stack and waits for its banner. */
export async function startRunStack(opts: {
  octetBase: number;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
  /** Edits the policy text before the stack starts. */
  transform?: (policy: string) => string;
}): Promise<RunStack> {
  const dir = mkdtempSync(join(tmpdir(), 'edgesteer-stack-'));
  const policyFile = join(dir, 'policy.yaml');
  const text = examplePolicyText(opts.octetBase, await freePort());
  writeFileSync(policyFile, opts.transform ? opts.transform(text) : text);
  const ports: RunStackPorts = {
    controller: await freePort(),
    worker: await freePort(),
    dns: await freePort(),
    control: await freePort(),
  };
  const proc = startCli(
    [
      'run',
      '--policy', policyFile,
      '--state-dir', join(dir, 'state'),
      '--controller-listen', `127.0.0.1:${ports.controller}`,
      '--worker-listen', `127.0.0.1:${ports.worker}`,
      '--dns-listen', `127.0.0.1:${ports.dns}`,
      '--control-listen', `127.0.0.1:${ports.control}`,
      '--dns-metrics-listen', '127.0.0.1:0',
      '--probe-metrics-listen', '127.0.0.1:0',
      ...(opts.extraArgs ?? []),
    ],
    opts.env,
  );
  try {
    // The last line of the banner: everything above it (the metrics URLs) has arrived.
    await proc.waitFor(/Ctrl-C stops everything\./, opts.readyTimeoutMs ?? 45_000);
  } catch (err) {
    await proc.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const metricsUrls: Record<string, string> = {};
  for (const m of proc.output().matchAll(/^\s*process (\S+)\s+pid \d+\s+metrics (http:\S+)$/gm)) metricsUrls[m[1]!] = m[2]!;
  const ip = (id: DemoEdgeId) => `127.0.0.${opts.octetBase + (EXAMPLE_EDGES[id] - 10)}`;
  return {
    proc,
    dir,
    policyFile,
    ports,
    edgeIp: { use1: ip('use1'), euw1: ip('euw1'), aps1: ip('aps1') },
    controllerUrl: `http://127.0.0.1:${ports.controller}`,
    workerUrl: `http://127.0.0.1:${ports.worker}`,
    controlUrl: `http://127.0.0.1:${ports.control}`,
    metricsUrls,
    async stop() {
      const code = await proc.stop('SIGINT');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Takes a demo edge down, brings it up, or slows it, through the demo control. */
export async function demoEdge(stack: RunStack, edge: DemoEdgeId, action: 'up' | 'down' | 'slow', ms?: number): Promise<void> {
  const res = await fetch(`${stack.controlUrl}/demo/edges/${edge}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action, ...(ms === undefined ? {} : { ms }) }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`demo ${edge} ${action}: HTTP ${res.status} ${await res.text()}`);
}
