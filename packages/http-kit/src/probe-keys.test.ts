import { describe, expect, it } from 'vitest';
import { parseProbeKeys, ProbeKeyError } from './probe-keys.js';

const A = 'secret-a-0123456789';
const B = 'secret-b-0123456789';

describe('parseProbeKeys (`id region secret`)', () => {
  it.each([
    { name: 'env list', text: `eu eu-west ${A}, us us-east ${B},`, want: { eu: { region: 'eu-west', secrets: [A] }, us: { region: 'us-east', secrets: [B] } } },
    { name: 'lines with comments, blanks and aligned columns', text: `# id region secret\n\neu   eu-west   ${A}\n  us\tus-east ${B}  # added 2026-01\n`, want: { eu: { region: 'eu-west', secrets: [A] }, us: { region: 'us-east', secrets: [B] } } },
    { name: 'a rotation (same id and region twice)', text: `eu eu-west ${A}\neu eu-west ${B}`, want: { eu: { region: 'eu-west', secrets: [A, B] } } },
    { name: 'a secret with # inside', text: `eu eu-west ${A}#x`, want: { eu: { region: 'eu-west', secrets: [`${A}#x`] } } },
    { name: 'nothing', text: '  \n# none yet\n', want: {} },
  ])('reads $name', ({ text, want }) => {
    expect(Object.fromEntries(parseProbeKeys(text, 'keys'))).toEqual(want);
  });

  it.each([
    { what: 'the old id=secret format, with a migration hint', text: `eu=${A}`, message: /^keys:1: "eu=…" is the old id=secret format; .*"eu <region> <secret>".*sed/ },
    { what: 'a JSON key file', text: JSON.stringify({ eu: A }), message: /^keys: JSON key files are no longer read; write one "id region secret" line/ },
    { what: 'a missing region', text: `eu ${A}`, message: /^keys:1: expected "id region secret", got 2 field/ },
    { what: 'a fourth field', text: `eu eu-west ${A} extra`, message: /^keys:1: expected "id region secret", got 4 field/ },
    { what: 'a region that is no region id', text: `eu EU_West ${A}`, message: /^keys:1: region "EU_West" of probe "eu" is not a region id/ },
    { what: 'one id bound to two regions', text: `eu eu-west ${A}\neu us-east ${B}`, message: /^keys:2: probe "eu" is listed for region "eu-west" and for "us-east"; a key speaks for one region/ },
    { what: 'a short secret', text: 'eu eu-west short', message: /^keys:1: the secret for probe "eu" has 5 characters, shorter than 16/ },
  ])('refuses $what with E_KEYS_INVALID, never quoting a secret', ({ text, message }) => {
    let err: unknown;
    try {
      parseProbeKeys(text, 'keys');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProbeKeyError);
    expect(err).toMatchObject({ code: 'E_KEYS_INVALID', message });
    for (const s of [A, B]) expect((err as Error).message).not.toContain(s);
  });
});
