import { describe, expect, it } from 'vitest';
import { CodedError, errorCodeOf } from './coded-error.js';

class ThingError extends CodedError<'E_THING_BROKEN'> {}

describe('CodedError', () => {
  it('carries code, message, cause and the subclass name', () => {
    const cause = new Error('disk full');
    const err = new ThingError('E_THING_BROKEN', 'cannot save the thing; free some space', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('E_THING_BROKEN');
    expect(err.name).toBe('ThingError');
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('ThingError: cannot save the thing; free some space');
  });

  it.each([
    [new ThingError('E_THING_BROKEN', 'x'), 'E_THING_BROKEN'],
    [Object.assign(new Error('x'), { code: 'E_OTHER' }), 'E_OTHER'],
    [Object.assign(new Error('x'), { code: 'ENOENT' }), undefined],
    ['E_STRING', undefined],
    [undefined, undefined],
  ])('errorCodeOf(%s) is %s', (err, code) => {
    expect(errorCodeOf(err)).toBe(code);
  });
});
