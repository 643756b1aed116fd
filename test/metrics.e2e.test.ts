/**
 * /metrics on every long-running process, scraped over real HTTP while
 * `edgesteer run` serves real dig and DoH traffic: the controller, the Worker
 * on Node, the DNS server (--metrics-listen) and each probe
 * (--metrics-listen), at the URLs the banner prints. Also the DNS server's
 * cluster mode (counters summed over its workers) and a bad --metrics-listen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digRaw, digShort } from './support/dns-dig.js';
import { runCli, sleep, startCli } from './support/processes.js';
import { scrape, type Scrape } from './support/prom-text.js';
import { demoEdge, EXAMPLE_POLICY, startRunStack, type RunStack } from './support/run-stack.js';

const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
const EDGES = ['use1', 'euw1', 'aps1'] as const;

let stack: RunStack;

/** Scrapes until `pred` holds (counters that arrive with the next report or tick), or fails with the last scrape's sample names. */
async function scrapeUntil(url: string, pred: (s: Scrape) => boolean, timeoutMs = 10_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  let last = await scrape(url);
  while (!pred(last)) {
    if (Date.now() > deadline) throw new Error(`${url}: condition not met within ${timeoutMs} ms; series: ${[...new Set(last.samples.map((s) => s.name))].join(' ')}`);
    await sleep(200);
    last = await scrape(url);
  }
  return last;
}

describe('/metrics of `edgesteer run`', () => {
  beforeAll(async () => {
    stack = await startRunStack({ octetBase: 70 });
  }, 60_000);

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  }, 30_000);

  it('the banner names a /metrics URL for every process, and each one answers Prometheus text', async () => {
    expect(Object.keys(stack.metricsUrls).sort()).toEqual(['controller', 'dns', 'probe-ap-south', 'probe-eu-west', 'probe-us-east', 'worker']);
    expect(stack.metricsUrls['controller']).toBe(`${stack.controllerUrl}/metrics`);
    expect(stack.metricsUrls['worker']).toBe(`${stack.workerUrl}/metrics`);
    for (const url of Object.values(stack.metricsUrls)) {
      const s = await scrape(url);
      expect(s.samples.length, url).toBeGreaterThan(5);
    }
  });

  it('DNS server: queries by transport, rcode, region and service, the answer-time histogram and the table', async () => {
    const at = ['@127.0.0.1', '-p', String(stack.ports.dns)];
    for (let i = 0; i < 3; i++) expect(await digShort([...at, 'cdn.example.com', 'A', '+subnet=10.2.9.0/24'])).toHaveLength(1);
    expect(await digShort([...at, 'api.example.com', 'A', '+subnet=10.3.9.0/24'])).toHaveLength(2);
    expect(await digRaw([...at, 'nope.example.com', 'A', '+time=1', '+tries=1'])).toContain('status: NXDOMAIN');
    expect(await digShort([...at, '+tcp', 'cdn.example.com', 'A', '+subnet=10.1.9.0/24'])).toHaveLength(1);

    const s = await scrape(stack.metricsUrls['dns']!);
    expect(s.types.get('edgesteer_dns_queries_total')).toBe('counter');
    expect(s.sum('edgesteer_dns_queries_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(1);
    expect(s.sum('edgesteer_dns_responses_total', { rcode: 'NOERROR' })).toBeGreaterThanOrEqual(5);
    expect(s.sum('edgesteer_dns_responses_total', { rcode: 'NXDOMAIN' })).toBeGreaterThanOrEqual(1);
    expect(s.sum('edgesteer_dns_region_answers_total', { region: 'eu-west' })).toBeGreaterThanOrEqual(3);
    expect(s.sum('edgesteer_dns_region_answers_total', { region: 'ap-south' })).toBeGreaterThanOrEqual(1);
    expect(s.sum('edgesteer_dns_service_answers_total', { service: 'cdn' })).toBeGreaterThanOrEqual(4);
    expect(s.sum('edgesteer_dns_service_answers_total', { service: 'api' })).toBeGreaterThanOrEqual(1);

    // The answer-time histogram times a sample of the queries (the first one included); buckets are cumulative.
    expect(s.types.get('edgesteer_dns_answer_duration_seconds')).toBe('histogram');
    const buckets = s.find('edgesteer_dns_answer_duration_seconds_bucket');
    expect(buckets.at(-1)!.labels['le']).toBe('+Inf');
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    const count = s.sum('edgesteer_dns_answer_duration_seconds_count');
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(Math.ceil(s.sum('edgesteer_dns_queries_total') / 16));
    expect(buckets.at(-1)!.value).toBe(count);
    expect(s.sum('edgesteer_dns_answer_duration_seconds_sum')).toBeGreaterThan(0);

    // Under `edgesteer run` the DNS server decides for itself from the probes' reports.
    expect(s.find('edgesteer_dns_table_info', { source: 'local' })).toHaveLength(1);
    expect(s.sum('edgesteer_dns_table_version')).toBeGreaterThanOrEqual(1);
    expect(s.sum('edgesteer_dns_table_stale')).toBe(0);
    expect(s.find('edgesteer_dns_table_age_seconds')).toHaveLength(1);
    // Response rate limiting is on by default: its counters are there (nothing limited at this rate).
    expect(s.sum('edgesteer_dns_rrl_limited_total', { action: 'dropped' })).toBe(0);
  });

  it('Worker on Node: DoH queries by rcode and region, ingest accepted and rejected', async () => {
    const doh = ['@127.0.0.1', '-p', String(stack.ports.worker), '+http-plain-get'];
    expect(await digShort([...doh, 'cdn.example.com', 'A', '+subnet=10.2.9.0/24'])).toHaveLength(1);
    expect(await digRaw([...doh, 'nope.example.com', 'A', '+time=2', '+tries=1'])).toContain('status: NXDOMAIN');
    const unsigned = await fetch(`${stack.workerUrl}/v1/observations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);

    const s = await scrape(stack.metricsUrls['worker']!);
    expect(s.sum('edgesteer_worker_doh_queries_total', { rcode: 'NOERROR', region: 'eu-west' })).toBeGreaterThanOrEqual(1);
    expect(s.sum('edgesteer_worker_doh_queries_total', { rcode: 'NXDOMAIN' })).toBeGreaterThanOrEqual(1);
    // The probes report to the Worker too.
    expect(s.sum('edgesteer_worker_reports_accepted_total')).toBeGreaterThan(0);
    expect(s.sum('edgesteer_worker_observations_total', { result: 'accepted' })).toBeGreaterThan(0);
    expect(s.sum('edgesteer_worker_reports_rejected_total', { reason: 'unsigned' })).toBe(1);
    expect(s.sum('edgesteer_worker_http_requests_total', { route: '/dns-query', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(s.sum('edgesteer_worker_table_version')).toBeGreaterThanOrEqual(1);
  });

  it('probes: results and RTT by edge and region, reports per sink; a dead edge shows up as refused checks', async () => {
    for (const region of REGIONS) {
      const url = stack.metricsUrls[`probe-${region}`]!;
      const s = await scrapeUntil(url, (x) => EDGES.every((edge) => x.sum('edgesteer_probe_checks_total', { edge, region, outcome: 'ok', reason: 'none' }) > 0));
      for (const edge of EDGES) {
        expect(s.sum('edgesteer_probe_rtt_seconds_count', { edge, region, kind: 'first_byte' }), `${region}→${edge}`).toBeGreaterThan(0);
        expect(s.sum('edgesteer_probe_last_rtt_seconds', { edge, region, kind: 'connect' })).toBeGreaterThan(0);
      }
      for (const sink of [`${stack.controllerUrl}/v1/observations`, `${stack.workerUrl}/v1/observations`]) {
        expect(s.sum('edgesteer_probe_reports_total', { sink, result: 'sent' }), sink).toBeGreaterThan(0);
        expect(s.find('edgesteer_probe_reports_total', { sink, result: 'dropped' })).toHaveLength(1);
      }
    }

    await demoEdge(stack, 'aps1', 'down');
    try {
      const url = stack.metricsUrls['probe-us-east']!;
      const s = await scrapeUntil(url, (x) => x.sum('edgesteer_probe_edge_up', { edge: 'aps1' }) === 0 && x.find('edgesteer_probe_edge_up', { edge: 'aps1' }).length === 1);
      // fall: 2 in the policy; the check in flight when the listener closed may see a reset instead.
      expect(s.sum('edgesteer_probe_checks_total', { edge: 'aps1', region: 'us-east', outcome: 'fail' })).toBeGreaterThanOrEqual(2);
      expect(s.sum('edgesteer_probe_checks_total', { edge: 'aps1', region: 'us-east', outcome: 'fail', reason: 'refused' })).toBeGreaterThanOrEqual(1);
      expect(s.sum('edgesteer_probe_edge_up', { edge: 'use1' })).toBe(1);

      // The controller saw it too: the verdict flipped and answers moved.
      const c = await scrapeUntil(`${stack.controllerUrl}/metrics`, (x) => x.sum('edgesteer_controller_verdict_changes_total', { edge: 'aps1', to: 'down' }) >= 1);
      expect(c.sum('edgesteer_controller_edge_up', { edge: 'aps1' })).toBe(0);
      expect(c.sum('edgesteer_controller_answer_changes_total', { service: 'cdn', region: 'ap-south' })).toBeGreaterThanOrEqual(1);
      expect(c.sum('edgesteer_controller_observations_total', { edge: 'aps1', region: 'eu-west', ok: 'false' })).toBeGreaterThan(0);
      for (const region of REGIONS) expect(c.sum('edgesteer_controller_reports_accepted_total', { probe: `probe-${region}` })).toBeGreaterThan(0);
      // No zone with route53.hostedZoneId in the example policy: the Route53 loop is off, and says so.
      expect(c.find('edgesteer_route53_loop_active')).toEqual([expect.objectContaining({ value: 0 })]);
      expect(c.sum('edgesteer_route53_reconcile_cycles_total')).toBe(0);
    } finally {
      await demoEdge(stack, 'aps1', 'up');
    }
  }, 40_000);
});

describe('/metrics of single commands', () => {
  it('edgesteer dns --workers 2 sums its workers\' counters', async () => {
    const dns = startCli(['dns', '--policy', EXAMPLE_POLICY, '--listen', '127.0.0.1:0', '--workers', '2', '--metrics-listen', '127.0.0.1:0']);
    try {
      await dns.waitFor(/"event":"metrics_listening"/, 20_000);
      await dns.waitFor(/dns server ready/, 20_000);
      const url = /"url":"(http:[^"]+)"/.exec(dns.output())![1]!;
      const port = /"listen":"127\.0\.0\.1:(\d+)"/.exec(dns.output())![1]!;
      for (let i = 0; i < 6; i++) await digShort(['@127.0.0.1', '-p', port, 'cdn.example.com', 'A', `+subnet=10.${(i % 3) + 1}.0.0/24`]);
      // Workers report their counters every second.
      const s = await scrapeUntil(url, (x) => x.sum('edgesteer_dns_queries_total') >= 6, 5000);
      expect(s.sum('edgesteer_dns_processes')).toBe(2);
      // Whichever worker answered timed its first query at least (the rest is sampled).
      expect(s.sum('edgesteer_dns_answer_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(s.sum('edgesteer_dns_region_answers_total', { region: 'eu-west' })).toBeGreaterThanOrEqual(2);
      expect(s.find('edgesteer_dns_table_info', { source: 'local' })).toHaveLength(1);
    } finally {
      expect(await dns.stop('SIGTERM')).toBe(0);
    }
  }, 30_000);

  it.each([
    ['dns', ['dns', '--policy', EXAMPLE_POLICY, '--listen', '127.0.0.1:0', '--metrics-listen', 'nonsense'], /--metrics-listen/],
    ['probe', ['probe', '--policy', EXAMPLE_POLICY, '--region', 'us-east', '--metrics-listen', 'nonsense'], /E_PROBE_METRICS_LISTEN/],
  ])('%s refuses a bad --metrics-listen with a clear error', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
