import { describe, expect, it } from 'vitest';
import { EdgeSchema } from '@edgesteer/policy';
import type { Observation } from '@edgesteer/core';
import { EdgeStateTracker } from './edge-state.js';

const edge = EdgeSchema.parse({ id: 'a', region: 'eu', ipv4: ['127.0.0.21'], check: { type: 'http', rise: 2, fall: 3 } });
let t = 0;
const ok = (): Observation => ({ probeRegion: 'eu', edge: 'a', at: ++t, ok: true, connectMs: 0.3 });
const bad = (reason: Observation['reason'] = 'timeout'): Observation => ({ probeRegion: 'eu', edge: 'a', at: ++t, ok: false, reason, detail: 'x' });

describe('EdgeStateTracker', () => {
  it('reports a change only when rise/fall thresholds are crossed', () => {
    const tr = new EdgeStateTracker([edge]);
    const seq = [ok(), ok(), ok(), bad(), bad(), bad('refused'), bad(), ok(), ok()];
    const changes = seq.map((o) => tr.observe(o)).filter((c) => c !== undefined);
    expect(changes).toEqual([
      { edge: 'a', from: 'unknown', to: 'up', streak: 2 },
      { edge: 'a', from: 'up', to: 'down', streak: 3, reason: 'refused', detail: 'x' },
      { edge: 'a', from: 'down', to: 'up', streak: 2 },
    ]);
  });

  it('does not flap on single failures', () => {
    const tr = new EdgeStateTracker([edge]);
    const seq = [ok(), ok(), bad(), ok(), bad(), bad(), ok()];
    expect(seq.map((o) => tr.observe(o)).filter(Boolean)).toHaveLength(1);
    expect(tr.snapshot().a).toMatchObject({ state: 'up', okStreak: 1, failStreak: 0 });
  });

  it('ignores observations of edges it does not know', () => {
    const tr = new EdgeStateTracker([edge]);
    expect(tr.observe({ ...ok(), edge: 'zz' })).toBeUndefined();
  });
});
