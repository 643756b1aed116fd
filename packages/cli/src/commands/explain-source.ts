/**
 * Where `edgesteer explain` gets the decision state from: a running
 * controller (`--from URL`, its GET /v1/state), a Worker (`--from URL`, its
 * own explanation at GET /steer/<service>?format=json), or the controller's
 * state file (`--state FILE`). Each source says what it is, so the output
 * can tell live state from the assume-up start.
 */
import { readFile } from 'node:fs/promises';
import type { DecisionState, Explanation } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { CliError } from '../cli-error.js';
import { regionSubnet } from '../run/region-subnet.js';

/** Decision state read from somewhere, or a finished explanation from a plane that explains itself. */
export type LiveSource =
  | { kind: 'state'; state: DecisionState; at: number; describe: string }
  | { kind: 'explanation'; explanation: Explanation; describe: string };

const ago = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** How fresh the measurements in `state` are, in words. */
export function stateFreshness(state: DecisionState, at: number): string {
  const links = Object.values(state.links);
  if (links.length === 0) return 'no observations yet, so every edge is assumed up there too';
  const newest = Math.max(...links.map((l) => l.lastAt));
  return `${links.length} region×edge links measured, newest observation ${ago(at - newest)} old`;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new CliError('E_EXPLAIN_UNREACHABLE', `cannot reach ${url}: ${e.name === 'TimeoutError' ? 'timed out after 5 s' : (e.cause?.code ?? e.message)}; is the controller or Worker running there?`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: undefined };
  }
}

/** Reads live state from a controller, or a live explanation from a Worker. */
export async function fromUrl(base: string, policy: Policy, service: string, region: string): Promise<LiveSource> {
  if (!/^https?:\/\/[^/]/.test(base)) throw new CliError('E_USAGE', `--from "${base}" is not an http(s) URL (e.g. http://127.0.0.1:8080)`, 2);
  const root = base.replace(/\/+$/, '');
  const st = await getJson(`${root}/v1/state`);
  const b = st.body as { format?: string; now?: number; state?: DecisionState; table?: { version: number; hash: string }; plane?: string } | undefined;
  if (st.status === 200 && b?.format === 'edgesteer-decision-state/1' && b.state && typeof b.now === 'number') {
    return { kind: 'state', state: b.state, at: b.now, describe: `live state of the ${b.plane ?? 'plane'} at ${root} (table v${b.table?.version ?? '?'} ${b.table?.hash.slice(0, 12) ?? ''}; ${stateFreshness(b.state, b.now)})` };
  }
  // A Worker explains its own decision for a client of the region.
  const subnet = regionSubnet(policy, region);
  const q = new URLSearchParams({ format: 'json', ...(subnet ? { edns_client_subnet: subnet } : {}) });
  const steer = await getJson(`${root}/steer/${encodeURIComponent(service)}?${q}`);
  const d = steer.body as { explanation?: Explanation; region?: string; table?: { version: number; hash: string } } | undefined;
  if (steer.status === 200 && d?.explanation) {
    if (d.region !== region) throw new CliError('E_EXPLAIN_REGION', `${root} placed the ${subnet ?? 'default'} subnet in region ${d.region}, not ${region}: it runs another policy than ${region} expects`);
    return { kind: 'explanation', explanation: d.explanation, describe: `live decision of the Worker at ${root} (table v${d.table?.version ?? '?'} ${d.table?.hash.slice(0, 12) ?? ''})` };
  }
  throw new CliError(
    'E_EXPLAIN_SOURCE',
    `${root} serves neither GET /v1/state (a controller) nor GET /steer/${service}?format=json (a Worker): HTTP ${st.status} and ${steer.status}. Point --from at the controller or a Worker, or pass its state file with --state`,
  );
}

/** Reads the controller's state file (.edgesteer-state/controller-state.json). */
export async function fromStateFile(file: string): Promise<LiveSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('E_STATE_READ', `cannot read state file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError('E_STATE_CORRUPT', `${file}: not JSON (${(err as Error).message})`);
  }
  try {
    // Loaded only here: the controller package is heavy, and explain without --state does not need it.
    const { parseSnapshot } = await import('@edgesteer/control');
    const snap = parseSnapshot(value, file);
    return { kind: 'state', state: snap.state, at: snap.savedAt, describe: `state file ${file}, saved ${new Date(snap.savedAt).toISOString()} (${stateFreshness(snap.state, snap.savedAt)})` };
  } catch (err) {
    throw new CliError((err as { code?: string }).code ?? 'E_STATE_CORRUPT', (err as Error).message);
  }
}
