/**
 * The all-in-one stack behind `edgesteer run`: demo edges in this process,
 * and the controller, the Worker (Node), one probe per region and the DNS
 * server as child processes in this process group — the same processes an
 * operator runs in production, wired together on loopback.
 *
 * No single brain: every probe reports to the controller, the DNS server
 * and the Worker (one --report-to each), and each of them decides for
 * itself from those reports with core's decide(). With the controller
 * gone, the DNS server and the Worker still follow every failover.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProbeKeyLine } from '@edgesteer/http-kit';
import { parseListen } from '@edgesteer/http-kit/node';
import type { Policy } from '@edgesteer/policy';
import { startDemoEdges, type DemoEdges } from './demo-edges.js';
import { startDemoControl, type DemoControl } from './demo-control.js';
import { HumanEvents } from './human-events.js';
import { waitForAgreedTable, waitForDns, waitForHttp } from './readiness.js';
import type { RoutingTable } from '@edgesteer/core';

/** Where each part of the stack listens. */
export interface StackPorts {
  controller: string;
  worker: string;
  dns: string;
  control: string;
  /** The DNS server's HTTP listener (POST /v1/observations, /healthz, /metrics). */
  dnsMetrics: string;
  /** First probe's /metrics listener; probe i listens on port + i (port 0: a free port each). */
  probeMetrics: string;
}

export const DEFAULT_PORTS: StackPorts = {
  controller: '127.0.0.1:8080',
  worker: '127.0.0.1:8787',
  dns: '127.0.0.1:5353',
  control: '127.0.0.1:8099',
  dnsMetrics: '127.0.0.1:9353',
  probeMetrics: '127.0.0.1:9401',
};

export interface StackOptions {
  policyFile: string;
  policy: Policy;
  ports: StackPorts;
  /** Logs, keys and controller state go here. */
  stateDir: string;
  /** Stream the children's JSON logs to this stream (prefixed by process name) as well as to files. */
  logTo?: NodeJS.WritableStream;
  /** One human line per failover and recovery (from the controller's log) goes here. */
  humanTo?: NodeJS.WritableStream;
  /** --log-level for every child. */
  logLevel?: string;
  /** Called when a child exits while the stack is running. */
  onExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
  readyTimeoutMs?: number;
  /** Passed to the controller, which reconciles Route53 when a zone has route53.hostedZoneId. */
  route53?: { endpoint?: string; cloudwatchEndpoint?: string };
}

export interface ChildInfo {
  name: string;
  pid: number | undefined;
  args: string[];
  log: string;
  running: boolean;
  /** Where the process serves Prometheus metrics. */
  metricsUrl: string;
}

export interface Stack {
  children(): ChildInfo[];
  demo: DemoEdges;
  control: DemoControl;
  /** The table every plane served when the stack became ready. */
  table: RoutingTable;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

interface Child {
  info: ChildInfo;
  proc: ChildProcess;
  file: WriteStream;
  exited: Promise<void>;
}

function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv, opts: StackOptions, stopping: () => boolean, metricsUrl: string): Child {
  const logPath = join(opts.stateDir, 'logs', `${name}.log`);
  const file = createWriteStream(logPath, { flags: 'a' });
  // process.execPath is the Node 24 this runner was started with.
  const proc = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const info: ChildInfo = { name, pid: proc.pid, args, log: logPath, running: true, metricsUrl };
  const human = name === 'controller' && opts.humanTo ? new HumanEvents(opts.humanTo) : undefined;
  const forward = (chunk: Buffer) => {
    file.write(chunk);
    human?.write(chunk);
    if (opts.logTo) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) opts.logTo.write(`[${name}] ${line}\n`);
    }
  };
  proc.stdout?.on('data', forward);
  proc.stderr?.on('data', forward);
  const exited = new Promise<void>((resolve) => {
    proc.on('exit', (code, signal) => {
      info.running = false;
      if (!stopping()) opts.onExit?.(name, code, signal);
      resolve();
    });
  });
  return { info, proc, file, exited };
}

/**
 * Metrics addresses: `host:port` as given, or with port 0 a free port picked
 * here, so the banner can print where each process serves /metrics. Probe i
 * gets `port + i`.
 */
async function metricsListens(base: string, count: number): Promise<string[]> {
  const { host, port } = parseListen(base);
  const shown = host.includes(':') ? `[${host}]` : host;
  const out: string[] = [];
  for (let n = 0; n < count; n++) out.push(`${shown}:${port === 0 ? await freePort(host) : port + n}`);
  return out;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host.replace(/^\[|\]$/g, ''), () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the whole stack and resolves once every plane answers. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  mkdirSync(join(opts.stateDir, 'logs'), { recursive: true });
  let stopping = false;
  const children: Child[] = [];

  // Per-probe HMAC keys, made fresh for this run and readable only by us.
  const keys = new Map(opts.policy.regions.map((r) => [`probe-${r.id}`, randomBytes(32).toString('hex')]));
  const keyFile = join(opts.stateDir, 'probe-keys');
  // One key per region, bound to it (`id region secret`): a leaked key speaks for its region only.
  writeFileSync(keyFile, opts.policy.regions.map((r) => formatProbeKeyLine(`probe-${r.id}`, r.id, keys.get(`probe-${r.id}`)!)).join('\n') + '\n', { mode: 0o600 });

  const demo = await startDemoEdges(opts.policy);
  const control = await startDemoControl(demo, opts.ports.control);
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.info.running) c.proc.kill('SIGTERM');
    const killTimer = setTimeout(() => {
      for (const c of children) if (c.info.running) c.proc.kill('SIGKILL');
    }, 5000);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(killTimer);
    await Promise.all(children.map((c) => new Promise<void>((r) => c.file.end(r))));
    await control.close();
    await demo.close();
  };

  let table!: RoutingTable;
  try {
    const logArgs = opts.logLevel ? ['--log-level', opts.logLevel] : [];
    const start = (name: string, args: string[], metricsUrl: string, env: NodeJS.ProcessEnv = {}) => {
      const c = spawnChild(name, [...args, ...logArgs], env, opts, () => stopping, metricsUrl);
      children.push(c);
      return c;
    };
    const controllerUrl = `http://${opts.ports.controller}`;
    const workerUrl = `http://${opts.ports.worker}`;
    const route53Args = [
      ...(opts.route53?.endpoint ? ['--route53-endpoint', opts.route53.endpoint] : []),
      ...(opts.route53?.cloudwatchEndpoint ? ['--cloudwatch-endpoint', opts.route53.cloudwatchEndpoint] : []),
    ];
    // The DNS server's HTTP listener (/metrics, /healthz) is known before it starts, so the controller can watch it as a plane.
    const [dnsMetrics] = await metricsListens(opts.ports.dnsMetrics, 1);
    const planeArgs = ['--plane', `http://${dnsMetrics}`, '--plane', workerUrl];
    start('controller', ['controller', '--policy', opts.policyFile, '--listen', opts.ports.controller, '--state-dir', join(opts.stateDir, 'controller'), '--key-file', keyFile, ...planeArgs, ...route53Args], `${controllerUrl}/metrics`);
    start('worker', ['worker', '--policy', opts.policyFile, '--listen', opts.ports.worker, '--key-file', keyFile], `${workerUrl}/metrics`);
    const timeout = opts.readyTimeoutMs ?? 30_000;
    await Promise.all([waitForHttp(`${controllerUrl}/healthz`, timeout), waitForHttp(`${workerUrl}/healthz`, timeout)]);
    const dnsUrl = `http://${dnsMetrics!}`;
    // The DNS server decides for itself from the probes' reports (no --controller): it keeps following failovers without one.
    start('dns', ['dns', '--policy', opts.policyFile, '--listen', opts.ports.dns, '--http-listen', dnsMetrics!, '--key-file', keyFile, '--state-dir', join(opts.stateDir, 'dns')], `${dnsUrl}/metrics`);
    const probeMetrics = await metricsListens(opts.ports.probeMetrics, opts.policy.regions.length);
    for (const [i, r] of opts.policy.regions.entries()) {
      const id = `probe-${r.id}`;
      const metricsAt = probeMetrics[i]!;
      start(
        id,
        ['probe', '--policy', opts.policyFile, '--region', r.id, '--probe-id', id, '--report-to', `${controllerUrl}/v1/observations`, '--report-to', `${dnsUrl}/v1/observations`, '--report-to', `${workerUrl}/v1/observations`, '--metrics-listen', metricsAt],
        `http://${metricsAt}/metrics`,
        { EDGESTEER_PROBE_KEY: keys.get(id) },
      );
    }
    const firstService = opts.policy.services[0];
    if (firstService) await waitForDns(opts.ports.dns, firstService.name, timeout);
    // The banner lists every /metrics URL: make sure each one answers first.
    await Promise.all(children.map((c) => waitForHttp(c.info.metricsUrl, timeout)));
    table = await waitForAgreedTable(controllerUrl, Math.min(timeout, 15_000));
  } catch (err) {
    await stop();
    throw err;
  }
  return { children: () => children.map((c) => ({ ...c.info })), demo, control, table, stop };
}
