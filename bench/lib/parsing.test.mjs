import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecsOptionHex, parseSummary } from './dnsperf.mjs';
import { historyEntry, readHistory, appendHistory } from './history.mjs';
import { parseKbFields } from './memory.mjs';
import { MIX, queryList } from './querymix.mjs';

// dnsperf 2.10's statistics block, as printed after a run.
const DNSPERF_OUTPUT = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 5300 -d q.txt -l 5
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         1234567
  Queries completed:    1234500 (99.99%)
  Queries lost:         67 (0.01%)

  Response codes:       NOERROR 1049325 (85.00%), NXDOMAIN 185175 (15.00%)
  Average packet size:  request 40, response 71
  Run time (s):         5.000123
  Queries per second:   246893.955872

  Average Latency (s):  0.000381 (min 0.000012, max 0.012345)
  Latency StdDev (s):   0.000210
`;

describe('parseSummary (dnsperf statistics)', () => {
  it('reads counts, qps, latencies and rcodes', () => {
    const s = parseSummary(DNSPERF_OUTPUT);
    expect(s).toMatchObject({ sent: 1234567, completed: 1234500, lost: 67, runTimeS: 5.000123, qps: 246893.955872 });
    expect(s.avgLatencyMs).toBeCloseTo(0.381, 6);
    expect(s.maxLatencyMs).toBeCloseTo(12.345, 6);
    expect(s.stddevLatencyMs).toBeCloseTo(0.21, 6);
    expect(s.rcodes).toEqual({ NOERROR: 1049325, NXDOMAIN: 185175 });
  });
  it('gives NaN (not 0) for what the output lacks', () => {
    const s = parseSummary('Queries sent: 10\n');
    expect(s.sent).toBe(10);
    expect(s.qps).toBeNaN();
    expect(s.rcodes).toEqual({});
  });
});

describe('ecsOptionHex (dnsperf -E)', () => {
  it.each([
    ['10.2.3.0/24', '8:000118000a0203'],
    ['10.2.0.0/16', '8:000110000a02'],
    ['10.0.0.0/8', '8:000108000a'],
  ])('%s → %s', (cidr, hex) => {
    expect(ecsOptionHex(cidr)).toBe(hex);
  });
});

describe('parseKbFields (/proc status and smaps_rollup)', () => {
  it('reads kB fields and ignores the rest', () => {
    const text = 'Name:\tnode\nVmRSS:\t   87328 kB\nRssAnon:\t   35668 kB\nThreads:\t11\nPss:               92739 kB\n';
    expect(parseKbFields(text)).toEqual({ VmRSS: 87328, RssAnon: 35668, Pss: 92739 });
  });
});

describe('queryList (the query mix)', () => {
  it('has the documented mix per 20 queries, regions in rotation and distinct NXDOMAIN names', () => {
    const list = queryList(2000);
    const count = (k) => list.filter((q) => q.kind === k).length;
    expect([count('steered'), count('static'), count('nxdomain')]).toEqual([MIX.steered * 100, MIX.static * 100, MIX.nxdomain * 100]);
    const nx = list.filter((q) => q.kind === 'nxdomain').map((q) => q.name);
    expect(new Set(nx).size).toBe(nx.length);
    expect(new Set(list.slice(0, 3).map((q) => q.region)).size).toBe(3);
  });
});

describe('history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const res = {
    meta: { startedAt: '2026-12-03T08:00:00Z', mode: 'quick', durationS: 100.4, loadStart: [1.234, 1, 1], loadEnd: [2, 2, 2], cpus: 2, node: 'v24' },
    throughput: { edgesteer: { max: { qps: 100000.4, cpuUsPerQuery: 6.04, lostTotal: 0 }, atOwnHalf: { p99Ms: 0.41234 } } },
    memory: { edgesteer: { afterStart: { rssMb: 50.04, pssMb: 40 }, afterLoad: { rssMb: 55.06, pssMb: 45 } } },
    cli: { help: { medianMs: 60.04, minMs: 50, maxMs: 70 } },
  };
  it('keeps one summary line per run with the machine load, and skips torn lines', () => {
    const e = historyEntry(res);
    expect(e).toMatchObject({ mode: 'quick', loadStart: [1.234, 1, 1], systems: { edgesteer: { qps: 100000, cpuUsPerQuery: 6, p99AtOwnHalfMs: 0.412, lost: 0 } } });
    expect(e.memory.edgesteer).toEqual({ rssStartMb: 50, rssLoadedMb: 55.1, pssLoadedMb: 45 });
    const file = join(dir, 'history.jsonl');
    appendHistory(file, e);
    writeFileSync(file, '{"torn', { flag: 'a' });
    writeFileSync(file, '\n', { flag: 'a' });
    const all = appendHistory(file, { ...e, mode: 'full' });
    expect(all.map((h) => h.mode)).toEqual(['quick', 'full']);
    expect(readHistory(join(dir, 'missing.jsonl'))).toEqual([]);
  });
});
