/** The text `edgesteer run` prints once everything answers: what runs where, and what to try. */
import type { Policy } from '@edgesteer/policy';
import type { Stack, StackPorts } from './stack.js';
import { parseListen } from '@edgesteer/http-kit/node';

export interface BannerInput {
  policyFile: string;
  policy: Policy;
  ports: StackPorts;
  stack: Stack;
  startedMs: number;
  stateDir: string;
}

function hostPort(listen: string): { host: string; port: string } {
  const { host, port } = parseListen(listen);
  return { host, port: String(port) };
}

export function banner(b: BannerInput): string {
  const dns = hostPort(b.ports.dns);
  const worker = hostPort(b.ports.worker);
  const svc = b.policy.services[0]!;
  const lines: string[] = [];
  lines.push('', `edgesteer is running (policy ${b.policyFile}, up in ${(b.startedMs / 1000).toFixed(1)} s)`, '');
  lines.push(`  dashboard + controller  http://${b.ports.controller}/`);
  lines.push(`  DNS server (UDP, TCP)   ${b.ports.dns}`);
  lines.push(`  Worker on Node          http://${b.ports.worker}/  (DoH /dns-query, /resolve, /steer/:service)`);
  lines.push(`  demo control            http://${b.ports.control}/demo/edges`);
  for (const e of b.stack.demo.edges()) lines.push(`  demo edge ${e.id.padEnd(13)} http://${e.address}:${e.port}/  (${e.region})`);
  for (const c of b.stack.children()) lines.push(`  process ${c.name.padEnd(15)} pid ${String(c.pid).padEnd(8)} metrics ${c.metricsUrl}`);
  lines.push('', 'Try (client subnets pick the region):');
  for (const r of b.policy.regions) {
    const cidr = r.clientCidrs.find((c) => !c.includes(':'));
    if (cidr) lines.push(`  dig @${dns.host} -p ${dns.port} ${svc.name} A +subnet=${cidr.replace(/\/\d+$/, '/24')}    # ${r.id}`);
  }
  lines.push(`  dig @${worker.host} -p ${worker.port} +http-plain-get ${svc.name} A       # the same answer over DoH`);
  lines.push(`  curl -s 'http://${b.ports.worker}/resolve?name=${svc.name}&type=A'`);
  lines.push(`  curl -si http://${b.ports.worker}/steer/${svc.id}`);
  lines.push(`  curl -s http://${b.ports.controller}/v1/edges`);
  lines.push(`  curl -s http://${b.ports.controller}/metrics | grep ^edgesteer_controller_answer_changes_total`);
  const victim = b.stack.demo.edges()[1] ?? b.stack.demo.edges()[0];
  if (victim) {
    lines.push('', 'Break something and watch the answers move:');
    lines.push(`  npx edgesteer demo edge ${victim.id} down      # then: up, or: slow 150`);
  }
  lines.push('', `Logs: ${b.stateDir}/logs/ (JSON, one file per process; --logs streams them here). Ctrl-C stops everything.`, '');
  return lines.join('\n') + '\n';
}
