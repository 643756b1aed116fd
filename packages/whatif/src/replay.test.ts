import { describe, expect, it } from 'vitest';
import { replay, type ReplayResult } from './replay.js';
import { renderReplays } from './replay-format.js';
import { incident, incidentPolicy, T0 } from './test-incident.js';

const s = (ms: number) => (ms - T0) / 1000;
const changes = (r: ReplayResult) => r.changes.map((c) => `${s(c.at)} ${c.region} ${c.from.join(',')}>${c.to.join(',')}`);
const outages = (r: ReplayResult) => r.outages.map((o) => [o.edge, s(o.failStart), s(o.downAt), o.okStart === undefined ? null : s(o.okStart), o.upAt === undefined ? null : s(o.upAt)]);

// Flapping blocks: euw1 answers 60–64, 70–74, ..., 110–114 and fails 65–69, ..., 115–119.
const FLAP_FAIL = [65, 75, 85, 95, 105, 115];

describe('replay of the recorded incident (test-incident.ts), by hand', () => {
  it('policy A (rise 2, fall 3, quorum 2): 14 changes, failover 2 s, back 1 s, 14 s of dead answers, partition ignored', () => {
    const r = replay(incidentPolicy({ rise: 2, fall: 3 }, 2), incident());
    // Dead: every region fails euw1 at 30, 31, 32 → each link down at its 3rd failure, tick 32 → euw1 down (3 ≥ quorum 2);
    // eu-west clients move to use1 (80 ms beats aps1's 150). Back: ok at 60, 61 → links up at the 2nd success, tick 61,
    // and euw1 (10 ms) beats use1 (80 ms) by the 20 % margin at once.
    // Each flap: fails f, f+1, f+2 → down at f+2; answers again at f+5, f+6 → up at f+6.
    // Partition (120–179): only eu-west says every edge is down: 1 < quorum 2, nothing moves; euw1's last outage ends at 121
    // when us-east and ap-south have seen it answer twice (120, 121), eu-west's probe still failing.
    const expected = ['32 eu-west euw1>use1', '61 eu-west use1>euw1'];
    for (const f of FLAP_FAIL) expected.push(`${f + 2} eu-west euw1>use1`, `${f + 6} eu-west use1>euw1`);
    expect(changes(r)).toEqual(expected);
    expect(r.changes).toHaveLength(14);
    expect(outages(r)).toEqual([['euw1', 30, 32, 60, 61], ...FLAP_FAIL.map((f) => ['euw1', f, f + 2, f + 5, f + 6])]);
    // 210 s = 3.5 min → 14 / 3.5.
    expect(r.changesPerMinute).toBe(4);
    // euw1 dead and still answered in eu-west at ticks 30, 31 and f, f+1 for each of 6 flaps: 2 + 12 = 14 s.
    expect(r.deadAnswerMs).toBe(14_000);
    expect(r.deadAnswerRouteMs).toBe(14_000);
    expect(r.observations).toEqual({ accepted: 210 * 9, ignored: 0 });
    expect(r.decisions).toBe(210);
  });

  it('policy B (fall 2): the same 14 changes, each failover 1 s sooner, 7 s of dead answers', () => {
    const r = replay(incidentPolicy({ rise: 2, fall: 2 }, 2), incident());
    // Down at the 2nd failure: 31 and f + 1; ups unchanged. Dead answers: tick 30 and each f → 1 + 6 = 7 s.
    const expected = ['31 eu-west euw1>use1', '61 eu-west use1>euw1'];
    for (const f of FLAP_FAIL) expected.push(`${f + 1} eu-west euw1>use1`, `${f + 6} eu-west use1>euw1`);
    expect(changes(r)).toEqual(expected);
    expect(outages(r)).toEqual([['euw1', 30, 31, 60, 61], ...FLAP_FAIL.map((f) => ['euw1', f, f + 1, f + 5, f + 6])]);
    expect(r.deadAnswerMs).toBe(7_000);
  });

  it('policy C (fall 2, quorum 1): the partitioned probe fails every edge over: 16 changes, 9 outages', () => {
    const r = replay(incidentPolicy({ rise: 2, fall: 2 }, 1), incident());
    // As B until 116 (euw1 down after 115, 116). At 120, 121 eu-west's probe fails everything: its links to use1 and
    // aps1 go down at 121 and with quorum 1 so do use1 and aps1; euw1 stays down (eu-west still says so) instead of
    // coming back at 121. Nothing is up → fail-open fallback, first of the service edges: use1 everywhere, so only
    // ap-south moves (aps1 → use1). At 180, 181 eu-west answers again: everything is up at 181, eu-west goes back to
    // euw1 and ap-south to aps1. euw1's last outage: failing since 115, down 116; us-east and ap-south saw it answer
    // from 120, so it came back 61 s after it answered again.
    const expected = ['31 eu-west euw1>use1', '61 eu-west use1>euw1'];
    for (const f of FLAP_FAIL.slice(0, -1)) expected.push(`${f + 1} eu-west euw1>use1`, `${f + 6} eu-west use1>euw1`);
    expected.push('116 eu-west euw1>use1', '121 ap-south aps1>use1', '181 eu-west use1>euw1', '181 ap-south use1>aps1');
    expect(changes(r)).toEqual(expected);
    expect(r.changes).toHaveLength(16);
    expect(outages(r)).toEqual([
      ['euw1', 30, 31, 60, 61],
      ...FLAP_FAIL.slice(0, -1).map((f) => ['euw1', f, f + 1, f + 5, f + 6]),
      ['euw1', 115, 116, 120, 181],
      ['aps1', 120, 121, 180, 181],
      ['use1', 120, 121, 180, 181],
    ]);
    expect(r.changesPerMinute.toFixed(2)).toBe('4.57'); // 16 / 3.5
    // The fallback answers use1, which was never dead (two regions kept reaching it): still 7 s.
    expect(r.deadAnswerMs).toBe(7_000);
  });

  it('prints the same bytes whatever the order of the recording, side by side for several policies', () => {
    const policies = [incidentPolicy({ rise: 2, fall: 3 }, 2), incidentPolicy({ rise: 2, fall: 2 }, 2)];
    const obs = incident();
    const shuffled = [...obs].reverse();
    const text = (o: typeof obs) => renderReplays(policies.map((p, k) => ({ label: `${'AB'[k]}.yaml`, result: replay(p, o) })));
    const a = text(obs);
    expect(text(shuffled)).toBe(a);
    expect(a).toContain('2023-11-14T22:13:52Z    +0:32  cdn eu-west: euw1 -> use1');
    expect(a).toMatch(/== side by side\n {2,}A\.yaml +B\.yaml\nanswer changes +14 +14\n/);
    expect(a).toMatch(/fail over, median \/ max \(s\) +2\.0 \/ 2\.0 +1\.0 \/ 1\.0\n/);
    expect(a).toContain('  euw1: down at +0:32, 2.0 s after its first failed check; back at +1:01, 1.0 s after it answered again');
    expect(a).toMatch(/dead-edge answers \(s\) +14\.0 +7\.0/);
  });

  it('replays nothing from nothing, and ignores observations of unknown edges and regions', () => {
    expect(replay(incidentPolicy({ rise: 2, fall: 3 }, 2), []).decisions).toBe(0);
    const r = replay(incidentPolicy({ rise: 2, fall: 3 }, 2), [
      { probeRegion: 'mars', edge: 'euw1', at: T0, ok: true, connectMs: 1 },
      { probeRegion: 'eu-west', edge: 'nope', at: T0, ok: true, connectMs: 1 },
      { probeRegion: 'eu-west', edge: 'euw1', at: T0, ok: true, connectMs: 1 },
    ]);
    expect(r.observations).toEqual({ accepted: 1, ignored: 2 });
  });
});
