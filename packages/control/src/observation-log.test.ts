import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createControllerApp } from './app.js';
import { Controller } from './controller.js';
import { decodeRecord, encodeRecord, ObservationLog, parseDuration, type LoggedObservation, type ReadStats } from './observation-log.js';
import { PROBE_KEYS, report, roundFrom, testPolicy } from './testing/fixtures.js';
import { T0 } from './testing/harness.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'obslog-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const obs = (i: number, edge = 'euw1'): LoggedObservation => ({ probeRegion: 'eu-west', edge, at: T0 + i * 1000, ok: i % 3 !== 0, ...(i % 3 !== 0 ? { connectMs: 10 + i } : { reason: 'timeout' as const }), probe: 'probe-eu-west' });
const all = (log: ObservationLog, since?: number, stats?: ReadStats) => [...log.read(since, stats)];

describe('ObservationLog', () => {
  it('survives a restart: a new instance reads what the old one wrote, and appends after it', () => {
    const dir = tmp();
    const a = new ObservationLog({ dir });
    a.append([obs(1), obs(2)]);
    a.append([obs(3)]);
    a.close();
    const b = new ObservationLog({ dir });
    expect(all(b)).toEqual([obs(1), obs(2), obs(3)]);
    b.append([obs(4)]);
    b.close();
    expect(all(new ObservationLog({ dir })).map((o) => o.at)).toEqual([1, 2, 3, 4].map((i) => T0 + i * 1000));
  });

  it('cuts a torn tail on open (crash mid-write) and keeps every whole record', () => {
    const dir = tmp();
    const a = new ObservationLog({ dir });
    a.append([obs(1), obs(2)]);
    a.close();
    const [file] = readdirSync(dir);
    const size = statSync(join(dir, file!)).size;
    // Half a record, no newline: what a crash leaves.
    appendFileSync(join(dir, file!), encodeRecord(obs(3)).slice(0, 30));
    const b = new ObservationLog({ dir });
    expect(b.repairedBytes).toBe(30);
    expect(statSync(join(dir, file!)).size).toBe(size);
    b.append([obs(4)]);
    expect(all(b).map((o) => o.at)).toEqual([T0 + 1000, T0 + 2000, T0 + 4000]);
  });

  it('skips (and counts) a record whose checksum does not match, never trusting it', () => {
    const dir = tmp();
    const a = new ObservationLog({ dir });
    a.append([obs(1), obs(2), obs(4)]);
    a.close();
    const file = join(dir, readdirSync(dir)[0]!);
    // Flip ok:true → ok:fals in the second record: same length, wrong checksum.
    const text = readFileSync(file, 'utf8').split('\n');
    text[1] = text[1]!.replace('"ok":true', '"ok":fals');
    writeFileSync(file, text.join('\n'));
    const stats: ReadStats = { records: 0, corrupt: 0, segments: 0 };
    expect(all(new ObservationLog({ dir }), undefined, stats).map((o) => o.at)).toEqual([T0 + 1000, T0 + 4000]);
    expect(stats).toEqual({ records: 2, corrupt: 1, segments: 1 });
  });

  it('stays under its size cap by dropping whole oldest segments', () => {
    const dir = tmp();
    const line = encodeRecord(obs(1)).length;
    const log = new ObservationLog({ dir, maxBytes: 20 * line, segmentBytes: 5 * line });
    for (let i = 1; i <= 200; i++) log.append([obs(i)]);
    expect(log.bytes).toBeLessThanOrEqual(20 * line + 2 * line);
    const kept = all(log).map((o) => (o.at - T0) / 1000);
    // The newest records are all there, in order; the oldest are gone.
    expect(kept.at(-1)).toBe(200);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 200 - kept.length + 1 + k));
    expect(kept.length).toBeGreaterThanOrEqual(15);
    expect(kept[0]).toBeGreaterThan(150);
    log.close();
  });

  it('drops segments older than maxAgeMs and filters reads by since', () => {
    const dir = tmp();
    const line = encodeRecord(obs(1)).length;
    const log = new ObservationLog({ dir, segmentBytes: 2 * line, maxAgeMs: 10_000 });
    for (let i = 1; i <= 30; i++) log.append([obs(i)]);
    const kept = all(log).map((o) => (o.at - T0) / 1000);
    // Whole segments (2–3 records here) go once their newest record is over 10 s older than the newest logged.
    expect(kept[0]).toBeGreaterThanOrEqual(14);
    expect(kept[0]).toBeLessThanOrEqual(20);
    expect(kept.at(-1)).toBe(30);
    expect(all(log, T0 + 25_000).map((o) => (o.at - T0) / 1000)).toEqual([25, 26, 27, 28, 29, 30]);
  });

  it('decodes only what it encoded', () => {
    const line = encodeRecord(obs(2));
    expect(decodeRecord(Buffer.from(line.slice(0, -1)))).toEqual(obs(2));
    for (const bad of ['', 'zzzzzzzz {}', '00000000 {"at":1}', line.slice(0, -5)]) expect(decodeRecord(Buffer.from(bad))).toBeUndefined();
  });

  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['500', 500],
    ['2x', undefined],
    ['', undefined],
  ])('parseDuration(%j) = %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('controller → observation log → GET /v1/timeline/export', () => {
  it('logs every ingested report and exports it as JSON lines, since a duration back', async () => {
    const dir = tmp();
    let now = T0;
    const controller = new Controller({ policy: testPolicy(), clock: () => now });
    const log = new ObservationLog({ dir });
    controller.observationLog = log;
    let seq = 0;
    for (let i = 0; i < 10; i++) {
      now = T0 + i * 60_000;
      controller.ingestReport(report('eu-west', ++seq, now, roundFrom('eu-west', now, i >= 5 ? ['euw1'] : [])));
    }
    const { app } = createControllerApp({ controller, keys: PROBE_KEYS, observationLog: log });
    const res = await app.request('/v1/timeline/export?since=3m');
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as LoggedObservation);
    // Minutes 6..9 (now = minute 9; 3 minutes back = minute 6), three edges each.
    expect(lines.map((o) => (o.at - T0) / 60_000)).toEqual([6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    expect(lines.filter((o) => o.edge === 'euw1').every((o) => !o.ok && o.probe === 'probe-eu-west' && o.receivedAt === o.at)).toBe(true);
    expect((await app.request('/v1/timeline/export')).text().then((t) => t.trim().split('\n').length)).resolves.toBe(30);
    const bad = await app.request('/v1/timeline/export?since=yesterday');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('E_BAD_SINCE');
    log.close();
  });
});
