import { describe, expect, it } from 'vitest';
import { checkReplay, MAX_REPLAY_PROBES, type ReplayMemory } from './replay-memory.js';

const W = 300_000;

describe('checkReplay', () => {
  it('accepts only increasing seq per probe, without touching the input', () => {
    const m0: ReplayMemory = {};
    const a = checkReplay(m0, 'p', 5, 1000, 1000, W);
    expect(a.ok).toBe(true);
    expect(m0).toEqual({});
    const m1 = a.ok ? a.next : {};
    for (const seq of [5, 4, 0]) {
      const r = checkReplay(m1, 'p', seq, 1001, 1001, W);
      expect(r).toMatchObject({ ok: false, lastSeq: 5 });
    }
    expect(checkReplay(m1, 'p', 6, 1002, 1002, W).ok).toBe(true);
    expect(checkReplay(m1, 'q', 1, 1002, 1002, W).ok).toBe(true);
  });

  it('forgets a probe once its newest signature is outside the window', () => {
    const r = checkReplay({}, 'p', 9, 1000, 1000, W);
    const m = r.ok ? r.next : {};
    expect(checkReplay(m, 'p', 1, 1000 + W, 1000 + W, W).ok).toBe(false);
    const later = checkReplay(m, 'other', 1, 1000 + W + 1, 1000 + W + 1, W);
    expect(later.ok && Object.keys(later.next)).toEqual(['other']);
  });

  it('keeps at most MAX_REPLAY_PROBES probes, dropping the oldest', () => {
    const m: ReplayMemory = {};
    for (let i = 0; i < MAX_REPLAY_PROBES; i++) m[`p${i}`] = { seq: 1, maxTs: 1000 + i };
    const r = checkReplay(m, 'new', 1, 50_000, 50_000, W);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Object.keys(r.next)).toHaveLength(MAX_REPLAY_PROBES);
      expect(r.next['p0']).toBeUndefined();
      expect(r.next['new']).toBeDefined();
    }
  });
});
