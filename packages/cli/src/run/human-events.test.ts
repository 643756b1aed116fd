import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HumanEvents } from './human-events.js';

const line = (o: Record<string, unknown>) => `${JSON.stringify({ level: 30, component: 'controller', ...o })}\n`;
const at = new Date(2026, 0, 1, 9, 2, 39).getTime();

function run(chunks: string[]): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const h = new HumanEvents(out, 10_000);
  for (const c of chunks) h.write(c);
  h.flush();
  return text;
}

describe('HumanEvents', () => {
  it.each([
    [
      'a failover: the verdict and every answer it moved, on one line',
      [line({ event: 'verdict_changed', time: at, edge: 'euw1', from: 'up', to: 'down', reason: 'down: 2/3 fresh regions say down (quorum 2): last failure refused' }), line({ event: 'answer_changed', service: 'cdn', region: 'eu-west', from: ['euw1'], to: ['use1'] })],
      'edgesteer: 09:02:39 FAILOVER  euw1 down (2 of 3 regions see it failing) → cdn in eu-west: euw1 → use1\n',
    ],
    [
      'a recovery, split across chunks',
      [line({ event: 'verdict_changed', time: at, edge: 'euw1', from: 'down', to: 'up', reason: 'up' }).slice(0, 20), line({ event: 'verdict_changed', time: at, edge: 'euw1', from: 'down', to: 'up', reason: 'up' }).slice(20)],
      'edgesteer: 09:02:39 RECOVERY  euw1 up again (no answer moved)\n',
    ],
    ['other lines print nothing', [line({ event: 'report_rejected' }), 'not json\n', line({ event: 'answer_changed', service: 'cdn', region: 'x', from: [], to: [] })], ''],
  ])('%s', (_what, chunks, want) => {
    expect(run(chunks)).toBe(want);
  });
});
