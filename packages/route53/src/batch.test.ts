import { describe, expect, it } from 'vitest';
import { changeWeight, packBatches, splitPairs, unitWeight } from './batch.js';
import type { PlannedChange, PlanUnit } from './plan.js';
import type { RecordSet } from './model.js';

const rec = (name: string, values?: string[]): RecordSet =>
  values ? { name, type: 'A', ttl: 60, values } : { name, type: 'A', alias: { hostedZoneId: 'Z1', dnsName: 'x.', evaluateTargetHealth: true } };
const ch = (action: PlannedChange['action'], r: RecordSet, marker = false): PlannedChange => ({ action, record: r, marker, why: marker ? 'marker' : 'create' });
const unit = (id: string, changes: PlannedChange[]): PlanUnit => ({ id, changes });

describe('changeWeight', () => {
  it.each([
    { what: 'one value', c: ch('CREATE', rec('a.', ['127.0.0.1'])), records: 1, chars: 9 },
    { what: 'three values', c: ch('DELETE', rec('a.', ['127.0.0.1', '127.0.0.2', '::1'])), records: 3, chars: 21 },
    { what: 'UPSERT counts twice', c: ch('UPSERT', rec('a.', ['127.0.0.1', '::1'])), records: 4, chars: 24 },
    { what: 'an alias counts as one element', c: ch('CREATE', rec('a.')), records: 1, chars: 0 },
    { what: 'an alias UPSERT counts as two', c: ch('UPSERT', rec('a.')), records: 2, chars: 0 },
  ])('$what', ({ c, records, chars }) => {
    expect(changeWeight(c)).toEqual({ records, chars });
  });
});

describe('packBatches', () => {
  const units = Array.from({ length: 10 }, (_v, i) => unit(`u${i}`, [ch('CREATE', rec(`r${i}.`, ['127.0.0.1'])), ch('CREATE', rec(`_es-a.r${i}.`, ['"m"']), true)]));

  it('fills each request up to the element limit, in order, never splitting a unit', () => {
    const batches = packBatches(units, { maxRecords: 5, maxValueChars: 32_000 });
    expect(batches.map((b) => b.map((u) => u.id))).toEqual([['u0', 'u1'], ['u2', 'u3'], ['u4', 'u5'], ['u6', 'u7'], ['u8', 'u9']]);
    for (const b of batches) expect(b.reduce((n, u) => n + unitWeight(u).records, 0)).toBeLessThanOrEqual(5);
  });

  it('respects the character limit too', () => {
    const batches = packBatches(units, { maxRecords: 1000, maxValueChars: 40 });
    // 9 + 3 = 12 characters per unit: 3 units per request.
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('cuts a unit bigger than a request into record+marker pairs, and refuses a pair that cannot fit', () => {
    const many = Array.from({ length: 6 }, (_v, i) => `127.0.0.${i + 1}`);
    const big = unit('big', [ch('UPSERT', rec('p.', many)), ch('UPSERT', rec('_es-a.p.', ['"m"']), true), ch('UPSERT', rec('s.', many)), ch('UPSERT', rec('_es-a.s.', ['"m"']), true)]);
    const batches = packBatches([big], { maxRecords: 14, maxValueChars: 32_000 });
    expect(batches.map((b) => b.map((u) => u.changes.map((c) => c.record.name)))).toEqual([[['p.', '_es-a.p.']], [['s.', '_es-a.s.']]]);
    expect(() => packBatches([big], { maxRecords: 10, maxValueChars: 32_000 })).toThrow(expect.objectContaining({ code: 'E_R53_CHANGE_TOO_LARGE' }));
  });

  it('splitPairs keeps each marker with its own record only', () => {
    const u = unit('u', [ch('DELETE', rec('x.', ['127.0.0.1'])), ch('DELETE', rec('_es-a.x.', ['"m"']), true), ch('CREATE', rec('y.', ['127.0.0.1'])), ch('DELETE', rec('_es-a.z.', ['"m"']), true)]);
    // The marker of z (an orphan) does not belong to y.
    expect(splitPairs(u).map((p) => p.changes.map((c) => c.record.name))).toEqual([['x.', '_es-a.x.'], ['y.'], ['_es-a.z.']]);
  });
});
