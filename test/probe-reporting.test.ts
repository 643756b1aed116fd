/**
 * Signed reports end to end: a receiver built on core's verifyReport and
 * ReplayGuard checks what the probe sends; a sink that goes down buffers,
 * drops the oldest when full, and delivers in order when it comes back; the
 * agent logs one line per edge state change.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signReport, type Observation, type Report } from '@edgesteer/core';
import { createProbeLogger, HttpReportSink, Reporter, seededRandom, startProbe } from '@edgesteer/probes';
import { handlers, startHttpEdge, type EdgeServer } from './support/probe-edges.js';
import { startReportReceiver, type ReportReceiver } from './support/report-receiver.js';
import { testPolicy } from './support/probe-fixtures.js';

const KEY = 'eu-probe-key-0123456789abcdef';
const KEYS = { eu: KEY };

function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createProbeLogger({ probe: 'eu', region: 'eu', destination }) };
}

const obs = (i: number): Observation => ({ probeRegion: 'eu', edge: `edge-${i}`, at: Date.now(), ok: true, connectMs: 0.25 });

let receiver: ReportReceiver;
beforeAll(async () => {
  receiver = await startReportReceiver('127.0.0.27', KEYS);
});
afterAll(async () => {
  await receiver.close();
});

describe('a sink that is down, then comes back', () => {
  it('buffers, drops the oldest beyond the bound (counted, logged), and delivers the rest in order as one report', async () => {
    const down = await startReportReceiver('127.0.0.27', KEYS);
    await down.stop(); // connections to its port are now refused
    const { lines, logger } = memoryLogger();
    const sink = new HttpReportSink({ url: down.url, probeId: 'eu', key: KEY, logger, maxBuffered: 5, backoff: { baseMs: 20, maxMs: 80 }, random: seededRandom(1) });
    const reporter = new Reporter({ probeId: 'eu', region: 'eu', sinks: [sink] });
    const sent: Report[] = [];
    for (let i = 0; i < 8; i++) {
      reporter.add(obs(i));
      reporter.add(obs(100 + i));
      sent.push(reporter.flush()!);
    }
    await expect.poll(() => sink.stats().errors, { timeout: 5000 }).toBeGreaterThan(2);
    expect(sink.stats()).toMatchObject({ sent: 0, buffered: 5, dropped: 3, droppedObservations: 6 });
    // Rate-limited: many failed attempts, one error line; one drop line.
    expect(lines.filter((l) => l.event === 'sink.error')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'sink.drop')).toHaveLength(1);
    expect(lines.find((l) => l.event === 'sink.error')).toMatchObject({ sink: down.url, level: 40 });

    await down.restart();
    await sink.idle();
    // The backlog goes out as ONE report (the receiver ingests it whole and decides once):
    // the newest seq, every buffered observation in order.
    expect(down.accepted.map((r) => r.seq)).toEqual([sent[7]!.seq]);
    expect(down.accepted[0]!.observations).toEqual(sent.slice(3).flatMap((r) => r.observations));
    expect(lines.filter((l) => l.event === 'sink.backlog_sent')).toMatchObject([{ reports: 5, observations: 10 }]);
    expect(sink.stats()).toMatchObject({ sent: 5, buffered: 0, dropped: 3, rejected: 0, lastSeq: sent[7]!.seq });
    sink.close();
    await down.close();
  });
});

describe('a receiver back after a long outage', () => {
  it('gets the backlog within two check intervals: backoff capped at the interval, started over after delivery', async () => {
    const intervalMs = 500;
    const down = await startReportReceiver('127.0.0.27', KEYS);
    await down.stop();
    const { logger } = memoryLogger();
    // What the probe pipeline sets: backoff capped at the check interval.
    const sink = new HttpReportSink({ url: down.url, probeId: 'eu', key: KEY, logger, backoff: { baseMs: 50, maxMs: intervalMs }, random: seededRandom(2) });
    const reporter = new Reporter({ probeId: 'eu', region: 'eu', sinks: [sink] });
    reporter.add(obs(1));
    reporter.flush();
    // Long enough for an uncapped exponential backoff (50 ms doubling) to sleep for seconds.
    await expect.poll(() => sink.stats().errors, { timeout: 5000 }).toBeGreaterThan(6);
    const back = Date.now();
    await down.restart();
    await expect.poll(() => down.accepted.length, { timeout: 4 * intervalMs, interval: 10 }).toBe(1);
    expect(Date.now() - back).toBeLessThanOrEqual(2 * intervalMs);
    // Started over: the next report goes out at once, no leftover backoff.
    reporter.add(obs(2));
    reporter.flush();
    await sink.idle();
    expect(down.accepted).toHaveLength(2);
    expect(sink.stats()).toMatchObject({ sent: 2, buffered: 0 });
    sink.close();
    await down.close();
  });
});

describe('signatures checked by a receiver', () => {
  it('accepts a correctly signed report', async () => {
    const { logger } = memoryLogger();
    const sink = new HttpReportSink({ url: receiver.url, probeId: 'eu', key: KEY, logger });
    const reporter = new Reporter({ probeId: 'eu', region: 'eu', sinks: [sink] });
    reporter.add(obs(1));
    const report = reporter.flush()!;
    await sink.idle();
    expect(receiver.accepted.at(-1)).toEqual(report);
    expect(sink.stats()).toMatchObject({ sent: 1, rejected: 0, errors: 0 });
  });

  it('a probe with the wrong key is refused for good (not retried)', async () => {
    const { lines, logger } = memoryLogger();
    const sink = new HttpReportSink({ url: receiver.url, probeId: 'eu', key: 'not-the-right-key-0123456789', logger, backoff: { baseMs: 10, maxMs: 10 } });
    const reporter = new Reporter({ probeId: 'eu', region: 'eu', sinks: [sink] });
    reporter.add(obs(1));
    reporter.flush();
    await sink.idle();
    expect(receiver.refused.at(-1)?.code).toBe('bad-signature');
    expect(sink.stats()).toMatchObject({ sent: 0, rejected: 1, errors: 0, buffered: 0 });
    expect(sink.stats().lastError).toMatch(/^HTTP 401/);
    expect(lines.find((l) => l.event === 'sink.rejected')).toMatchObject({ level: 50 });
  });

  async function post(body: string, headers: Record<string, string>) {
    const res = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  }

  const report = (seq: number): Report => ({ probe: 'eu', region: 'eu', seq, sentAt: Date.now(), observations: [obs(1)] });

  it.each([
    {
      name: 'a tampered body',
      make: async () => {
        const body = JSON.stringify(report(Date.now() + 10));
        return { body: body.replace('"ok":true', '"ok":false'), headers: await signReport(body, KEY, Date.now()) };
      },
      status: 401,
      error: 'bad-signature',
    },
    {
      name: 'a report signed with another key',
      make: async () => {
        const body = JSON.stringify(report(Date.now() + 20));
        return { body, headers: await signReport(body, 'someone-elses-key-0123456789', Date.now()) };
      },
      status: 401,
      error: 'bad-signature',
    },
    {
      name: 'a stale timestamp (10 minutes old)',
      make: async () => {
        const body = JSON.stringify(report(Date.now() + 30));
        return { body, headers: await signReport(body, KEY, Date.now() - 600_000) };
      },
      status: 401,
      error: 'stale-timestamp',
    },
    {
      name: 'no signature',
      make: async () => ({ body: JSON.stringify(report(Date.now() + 40)), headers: {} }),
      status: 401,
      error: 'unsigned',
    },
  ])('refuses $name', async ({ make, status, error }) => {
    const { body, headers } = await make();
    const before = receiver.accepted.length;
    expect(await post(body, headers)).toEqual({ status, body: expect.objectContaining({ error }) });
    expect(receiver.accepted.length).toBe(before);
  });

  it('refuses a replayed report, even re-signed with a fresh timestamp', async () => {
    const body = JSON.stringify(report(Date.now() + 1000));
    const headers = await signReport(body, KEY, Date.now());
    expect((await post(body, headers)).status).toBe(202);
    expect(await post(body, headers)).toEqual({ status: 409, body: expect.objectContaining({ error: 'replay' }) });
    expect((await post(body, await signReport(body, KEY, Date.now()))).status).toBe(409);

    // A probe whose first attempt meets a 409 is behind the receiver: rejected and said loudly.
    const { lines, logger } = memoryLogger();
    const sink = new HttpReportSink({ url: receiver.url, probeId: 'eu', key: KEY, logger });
    sink.enqueue(JSON.parse(body) as Report);
    await sink.idle();
    expect(sink.stats()).toMatchObject({ sent: 0, rejected: 1, buffered: 0 });
    expect(lines.find((l) => l.event === 'sink.rejected')?.err).toMatch(/another probe using this id/);
  });

  it('a retry after a lost response meets 409 and counts as delivered (accepted once)', async () => {
    const receiverKeys = { 'eu-retry': KEY };
    const r2 = await startReportReceiver('127.0.0.27', receiverKeys);
    r2.loseResponses(1);
    const { logger } = memoryLogger();
    const sink = new HttpReportSink({ url: r2.url, probeId: 'eu-retry', key: KEY, logger, backoff: { baseMs: 10, maxMs: 20 } });
    const rep = { ...report(Date.now()), probe: 'eu-retry' };
    sink.enqueue(rep);
    await sink.idle();
    expect(r2.accepted).toEqual([rep]);
    expect(r2.refused.map((x) => x.code)).toEqual(['replay']);
    expect(sink.stats()).toMatchObject({ sent: 1, rejected: 0, errors: 1, buffered: 0 });
    sink.close();
    await r2.close();
  });
});

describe('the agent (startProbe)', () => {
  let okEdge: EdgeServer;
  let flappy: EdgeServer;
  let flappyStatus = 500;

  beforeAll(async () => {
    okEdge = await startHttpEdge('127.0.0.21', handlers.ok());
    flappy = await startHttpEdge('127.0.0.22', (req, res) => handlers.status(flappyStatus)(req, res));
  });
  afterAll(async () => {
    await Promise.all([okEdge.close(), flappy.close()]);
  });

  it('checks on schedule, reports signed batches, and logs one line per state change', async () => {
    const policy = testPolicy([
      { id: 'edge-ok', region: 'eu', ipv4: ['127.0.0.21'], check: { type: 'http', port: okEdge.port, intervalMs: 100, rise: 1, fall: 2 } },
      { id: 'edge-flappy', region: 'us', ipv4: ['127.0.0.22'], check: { type: 'http', port: flappy.port, intervalMs: 100, rise: 2, fall: 2 } },
    ]);
    const { lines, logger } = memoryLogger();
    const agentReceiver = await startReportReceiver('127.0.0.27', { 'eu-agent': KEY });
    const probe = startProbe({ policy, region: 'eu', probeId: 'eu-agent', reportTo: [agentReceiver.url], key: KEY, logger, random: seededRandom(11), batch: { flushMs: 100 } });

    await expect.poll(() => probe.stats().edges['edge-flappy']?.state, { timeout: 5000 }).toBe('down');
    await expect.poll(() => probe.stats().scheduler.checks, { timeout: 5000 }).toBeGreaterThanOrEqual(10);
    flappyStatus = 200;
    await expect.poll(() => probe.stats().edges['edge-flappy']?.state, { timeout: 5000 }).toBe('up');
    await probe.stop();

    const stats = probe.stats();
    expect(stats.sinks[0]).toMatchObject({ buffered: 0, dropped: 0, rejected: 0 });
    const reports = agentReceiver.accepted;
    expect(agentReceiver.refused).toEqual([]);
    await agentReceiver.close();
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const seqs = reports.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const observations = reports.flatMap((r) => r.observations);
    expect(observations.length).toBe(stats.scheduler.checks);
    expect(new Set(observations.map((o) => o.edge))).toEqual(new Set(['edge-ok', 'edge-flappy']));
    expect(observations.some((o) => o.edge === 'edge-flappy' && o.reason === 'status')).toBe(true);

    const changes = lines.filter((l) => l.event === 'edge.state');
    expect(changes.map((l) => [l.edge, l.from, l.to])).toEqual(
      expect.arrayContaining([
        ['edge-ok', 'unknown', 'up'],
        ['edge-flappy', 'unknown', 'down'],
        ['edge-flappy', 'down', 'up'],
      ]),
    );
    expect(changes).toHaveLength(3);
    expect(changes.find((l) => l.to === 'down')).toMatchObject({ reason: 'status', detail: 'HTTP 500, expected 200', level: 40 });
    expect(lines[0]).toMatchObject({ event: 'probe.start', edges: 2, sinks: [agentReceiver.url], component: 'probe', region: 'eu' });
    expect(lines.at(-1)).toMatchObject({ event: 'probe.stop' });
  });

  it.each([
    { name: 'an unknown region', opts: { region: 'mars' }, code: 'E_PROBE_REGION_UNKNOWN', msg: /regions: eu, us/ },
    { name: 'report-to without a key', opts: { region: 'eu', reportTo: ['http://127.0.0.27:1/v1/observations'] }, code: 'E_PROBE_KEY_MISSING', msg: /EDGESTEER_PROBE_KEY/ },
    { name: 'a report-to that is not http', opts: { region: 'eu', reportTo: ['ftp://127.0.0.27/'], key: KEY }, code: 'E_PROBE_REPORT_URL', msg: /http/ },
    { name: 'a zero concurrency', opts: { region: 'eu', concurrency: 0 }, code: 'E_PROBE_CONCURRENCY', msg: /positive integer/ },
  ])('refuses to start with $name', ({ opts, code, msg }) => {
    const policy = testPolicy([{ id: 'e', region: 'eu', ipv4: ['127.0.0.21'], check: { type: 'tcp', port: 1 } }]);
    const { logger } = memoryLogger();
    expect(() => startProbe({ policy, logger, ...opts })).toThrow(expect.objectContaining({ code, message: expect.stringMatching(msg) }));
  });
});
