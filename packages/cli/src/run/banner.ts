/**
 * The text `edgesteer run` prints once everything answers: what runs where,
 * and commands to try. Every command is printed as it must be typed for the
 * ports in use, and every "Try" line ends with the claim it demonstrates
 * (`# <plane> <region> → <address>`), taken from the table all planes agree
 * on when the banner is printed; test/run-banner.test.ts runs each line as
 * printed and checks its claim, including the failover demo.
 */
import type { RoutingTable } from '@edgesteer/core';
import type { Policy } from '@edgesteer/policy';
import { parseListen } from '@edgesteer/http-kit/node';
import { regionSubnet } from './region-subnet.js';
import { DEFAULT_PORTS, type Stack, type StackPorts } from './stack.js';

export interface BannerInput {
  policyFile: string;
  policy: Policy;
  ports: StackPorts;
  stack: Stack;
  startedMs: number;
  stateDir: string;
  /** The table the planes serve now (claims are read from it). */
  table: RoutingTable;
}

function hostPort(listen: string): { host: string; port: string } {
  const { host, port } = parseListen(listen);
  return { host, port: String(port) };
}

const pad = (s: string, n: number) => (s.length >= n ? `${s}  ` : s.padEnd(n));

/** The first address a client gets for `edge` (A record data). */
function addressOf(policy: Policy, edge: string | undefined): string {
  const e = policy.edges.find((x) => x.id === edge);
  return e?.ipv4[0] ?? e?.ipv6[0] ?? e?.alias?.dnsName ?? '(no answer)';
}

/** Lines to try, each with its claim. Exported for the banner test. */
export function tryLines(b: Pick<BannerInput, 'policy' | 'ports' | 'table'>): string[] {
  const dns = hostPort(b.ports.dns);
  const worker = hostPort(b.ports.worker);
  const svc = b.policy.services[0]!;
  const rows: Array<[string, string]> = [];
  for (const r of b.policy.regions) {
    const subnet = regionSubnet(b.policy, r.id);
    if (!subnet) continue;
    const ip = addressOf(b.policy, b.table.services[svc.id]?.regions[r.id]?.answer[0]);
    rows.push([`dig @${dns.host} -p ${dns.port} ${svc.name} A +subnet=${subnet} +short`, `# DNS    ${r.id} → ${ip}`]);
    rows.push([`dig @${worker.host} -p ${worker.port} +http-plain-get ${svc.name} A +subnet=${subnet} +short`, `# DoH    ${r.id} → ${ip}`]);
    rows.push([`curl -s -o /dev/null -w '%{redirect_url}\\n' 'http://${b.ports.worker}/steer/${svc.id}/?edns_client_subnet=${subnet}'`, `# /steer ${r.id} → ${ip}`]);
  }
  const width = Math.max(...rows.map(([cmd]) => cmd.length)) + 2;
  return rows.map(([cmd, claim]) => `  ${pad(cmd, width)}${claim}`);
}

/** The failover demo: which edge to take down and where its region's answers go. */
export function demoPlan(b: Pick<BannerInput, 'policy' | 'table' | 'stack'>): { edge: string; region: string; from: string; to: string } | undefined {
  const svc = b.policy.services[0]!;
  const demoEdges = new Set(b.stack.demo.edges().map((e) => e.id));
  // A non-default region whose answer is a demo edge: taking that edge down moves that region.
  for (const r of [...b.policy.regions].sort((x, y) => Number(x.default) - Number(y.default))) {
    const entry = b.table.services[svc.id]?.regions[r.id];
    const edge = entry?.answer[0];
    if (!edge || !demoEdges.has(edge)) continue;
    const next = entry.ranked.find((e) => e !== edge);
    if (!next) continue;
    return { edge, region: r.id, from: addressOf(b.policy, edge), to: addressOf(b.policy, next) };
  }
  return undefined;
}

export function banner(b: BannerInput): string {
  const lines: string[] = [];
  lines.push('', `edgesteer is running (policy ${b.policyFile}, up in ${(b.startedMs / 1000).toFixed(1)} s)`, '');
  lines.push(`  dashboard + controller  http://${b.ports.controller}/`);
  lines.push(`  DNS server (UDP, TCP)   ${b.ports.dns}`);
  lines.push(`  Worker on Node          http://${b.ports.worker}/  (DoH /dns-query, /resolve, /steer/:service)`);
  lines.push(`  demo control            http://${b.ports.control}/demo/edges`);
  for (const e of b.stack.demo.edges()) lines.push(`  demo edge ${e.id.padEnd(13)} http://${e.address}:${e.port}/  (${e.region})`);
  for (const c of b.stack.children()) lines.push(`  process ${c.name.padEnd(15)} pid ${String(c.pid).padEnd(8)} metrics ${c.metricsUrl}`);
  lines.push('', 'Try it: each line asks as a client of one region (the subnet picks it) and names the answer it gets now:');
  lines.push(...tryLines(b));
  const svc = b.policy.services[0]!;
  lines.push(`  npx edgesteer explain --from http://${b.ports.controller} --policy ${b.policyFile} --service ${svc.id} --region ${b.policy.regions.find((r) => !r.default)?.id ?? b.policy.regions[0]!.id}`);
  lines.push(`  curl -s http://${b.ports.controller}/v1/planes       # do the DNS server and the Worker serve the controller's table?`);
  lines.push(`  curl -s http://${b.ports.controller}/metrics | grep ^edgesteer_controller_answer_changes_total`);
  const plan = demoPlan(b);
  if (plan) {
    const control = b.ports.control === DEFAULT_PORTS.control ? '' : ` --control http://${b.ports.control}`;
    lines.push('', 'Break something and watch the answers move:');
    lines.push(`  npx edgesteer demo edge ${plan.edge} down${control}    # within a few seconds every ${plan.region} line above stops answering ${plan.from} (next best now: ${plan.to})`);
    lines.push(`  npx edgesteer demo edge ${plan.edge} up${control}      # and back (also: slow 150)`);
  }
  lines.push('', `Logs: ${b.stateDir}/logs/ (JSON, one file per process; read them with: npx pino-pretty < ${b.stateDir}/logs/controller.log). Failovers and recoveries are printed here; --logs streams everything. Ctrl-C stops everything.`, '');
  return lines.join('\n') + '\n';
}
