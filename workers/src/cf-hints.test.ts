import { describe, expect, it } from 'vitest';
import { parseCfHints, regionFromCf } from './cf-hints.js';

describe('CF_REGION_HINTS', () => {
  const hints = parseCfHints('{"colo:fra":"eu-west","country:DE":"eu-west","country:SG":"ap-south","continent:NA":"us-east"}');

  const cases: Array<[Record<string, string> | undefined, string | undefined, string | undefined]> = [
    [{ colo: 'FRA', country: 'US', continent: 'NA' }, 'eu-west', 'colo:FRA'],
    [{ colo: 'MUC', country: 'DE', continent: 'EU' }, 'eu-west', 'country:DE'],
    [{ colo: 'SIN', country: 'SG', continent: 'AS' }, 'ap-south', 'country:SG'],
    [{ colo: 'YYZ', country: 'CA', continent: 'NA' }, 'us-east', 'continent:NA'],
    [{ colo: 'GRU', country: 'BR', continent: 'SA' }, undefined, undefined],
    [undefined, undefined, undefined],
  ];
  for (const [cf, region, via] of cases) {
    it(`${JSON.stringify(cf)} → ${region ?? 'no hint'}`, () => {
      const r = regionFromCf(hints, cf);
      expect(r?.region).toBe(region);
      expect(r?.via).toBe(via);
    });
  }

  it('unset or empty means no hints', () => {
    expect(parseCfHints(undefined)).toBeUndefined();
    expect(parseCfHints('  ')).toBeUndefined();
  });

  for (const bad of ['not json', '[]', '{"city:Paris":"eu"}', '{"colo:FRA":""}', '{"colo":"eu"}']) {
    it(`refuses ${bad}`, () => {
      expect(() => parseCfHints(bad)).toThrowError(expect.objectContaining({ code: 'E_CF_HINTS_INVALID' }) as Error);
    });
  }
});
