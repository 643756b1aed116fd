/**
 * `edgesteer explain --client IP`: the client map's placement of one
 * address (rule, region, ECS scope, distance to every region) and, for each
 * service, the answer it gets now, from the same compiled map the DNS
 * server and the Worker answer from.
 */
import { explainClient, explain, type ClientExplanation, type DecisionState } from '@edgesteer/core';
import { compileClientMapSync, openDatabase, databasePathFor } from '@edgesteer/geo';
import { parseIp, type Policy } from '@edgesteer/policy';
import { CliError } from '../cli-error.js';

/** A service's answer for the client now. */
export interface ClientAnswer {
  service: string;
  name: string;
  summary: string;
  answer: Array<{ edge: string; addresses: string[] }>;
}

/** Explains where a client goes, and what each (or the one) service answers it now. */
export async function explainClientAddress(
  policy: Policy,
  policyFile: string,
  address: string,
  service: string | undefined,
  state: DecisionState,
  at: number,
): Promise<{ client: ClientExplanation; answers: ClientAnswer[]; database: string | undefined }> {
  const text = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const ip = parseIp(text);
  if (!ip) throw new CliError('E_BAD_ADDRESS', `--client '${address}' is not an IPv4 or IPv6 address (e.g. 81.2.69.142 or 2a00:1450::1)`, 2);
  let compiled;
  try {
    compiled = compileClientMapSync(policy, policyFile);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new CliError(e.code ?? 'E_GEO_COMPILE', e.message ?? String(err));
  }
  const dbFile = databasePathFor(policy, policyFile);
  const location = dbFile ? (await openDatabase(dbFile)).db.locate(text) : undefined;
  const client = explainClient(policy, compiled.map, address, ip.bytes, location);
  const services = service ? policy.services.filter((s) => s.id === service || s.name.replace(/\.$/, '').toLowerCase() === service.replace(/\.$/, '').toLowerCase()) : policy.services;
  if (service && services.length === 0) throw new CliError('E_UNKNOWN_SERVICE', `no service '${service}' in the policy (services: ${policy.services.map((s) => s.id).join(', ')})`);
  const answers = services.map((s) => {
    const e = explain(policy, state, s.id, client.region, at);
    return {
      service: s.id,
      name: s.name,
      summary: e.summary,
      answer: e.answer.map((id) => {
        const edge = policy.edges.find((x) => x.id === id);
        return { edge: id, addresses: edge ? [...edge.ipv4, ...edge.ipv6] : [] };
      }),
    };
  });
  return { client, answers, database: compiled.database };
}

/**
 * Many clients at once (`--clients FILE`, one address per line): one JSON
 * line per address with its region, rule, ECS scope and the service's
 * answer, from one compile of the map.
 */
export async function explainClientFile(policy: Policy, policyFile: string, text: string, service: string | undefined, state: DecisionState, at: number): Promise<string> {
  let compiled;
  try {
    compiled = compileClientMapSync(policy, policyFile);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new CliError(e.code ?? 'E_GEO_COMPILE', e.message ?? String(err));
  }
  const svc = service ?? policy.services[0]!.id;
  const answers = new Map<string, string[]>();
  const answerOf = (region: string) => {
    let a = answers.get(region);
    if (!a) {
      const e = explain(policy, state, svc, region, at);
      a = e.answer.flatMap((id) => {
        const edge = policy.edges.find((x) => x.id === id);
        return edge ? [...edge.ipv4, ...edge.ipv6] : [];
      });
      answers.set(region, a);
    }
    return a;
  };
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const address = raw.trim();
    if (address === '' || address.startsWith('#')) return;
    const ip = parseIp(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
    if (!ip) throw new CliError('E_BAD_ADDRESS', `line ${i + 1}: '${address.slice(0, 64)}' is not an IPv4 or IPv6 address`);
    const m = compiled.map.lookup(ip.bytes);
    out.push(JSON.stringify({ address, region: m.region, rule: m.rule, scopePrefix: m.scopePrefix, answer: answerOf(m.region) }));
  });
  return out.join('\n') + (out.length ? '\n' : '');
}

/** Human-readable form. */
export function formatClientExplanation(r: { client: ClientExplanation; answers: ClientAnswer[]; database: string | undefined }): string {
  const c = r.client;
  const loc = c.location;
  const where = loc
    ? [loc.country && `country ${loc.country}`, loc.continent && `continent ${loc.continent}`, loc.lat !== undefined && `at ${loc.lat.toFixed(2)},${loc.lon!.toFixed(2)}`].filter(Boolean).join(', ')
    : 'no database record';
  const lines = [
    `client ${c.address}: ${where}`,
    `  region     ${c.region}`,
    `  rule       ${c.rule}: ${c.because}`,
    `  ECS scope  /${c.scopePrefix} (answers hold for ${c.scopeBlock})`,
    '  distance to each region:',
  ];
  const w = Math.max(...c.distances.map((d) => d.region.length));
  const nearest = Math.min(...c.distances.map((d) => d.km ?? Infinity));
  for (const d of c.distances) {
    const km = d.km === null ? 'unknown' : `${d.km.toLocaleString('en-US')} km`;
    lines.push(`    ${d.region.padEnd(w)}  ${d.aws.padEnd(15)} ${km.padStart(10)}${d.km !== null && d.km === nearest ? '  (nearest)' : ''}${d.region === c.region ? '  ← placed here' : ''}`);
  }
  lines.push('  answer now:');
  for (const a of r.answers) {
    const edges = a.answer.length ? a.answer.map((e) => `${e.edge} (${e.addresses.join(', ') || 'alias'})`).join(', ') : 'nothing';
    lines.push(`    ${a.service} (${a.name}): ${edges}`);
  }
  lines.push(`client map ${c.clientMap.hash.slice(0, 16)}…: ${c.clientMap.v4Ranges} IPv4 + ${c.clientMap.v6Ranges} IPv6 ranges, ${c.clientMap.bytes} bytes, from ${r.database ?? 'the policy alone (geo off)'} (${c.clientMap.source})`);
  return lines.join('\n') + '\n';
}
