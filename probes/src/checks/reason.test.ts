import { describe, expect, it } from 'vitest';
import { classifyError, clip } from './reason.js';

function sysErr(code: string, message = `connect ${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyError', () => {
  it.each([
    { err: sysErr('ECONNREFUSED'), reason: 'refused' },
    { err: sysErr('ECONNRESET', 'read ECONNRESET'), reason: 'reset' },
    { err: sysErr('ECONNRESET', 'socket hang up'), reason: 'reset' },
    { err: sysErr('EPIPE', 'write EPIPE'), reason: 'reset' },
    { err: sysErr('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'), reason: 'reset' },
    { err: new Error('aborted'), reason: 'reset' },
    { err: sysErr('ENOTFOUND', 'getaddrinfo ENOTFOUND edge.invalid'), reason: 'dns' },
    { err: sysErr('EAI_AGAIN', 'getaddrinfo EAI_AGAIN edge'), reason: 'dns' },
    { err: sysErr('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), reason: 'tls' },
    { err: sysErr('CERT_HAS_EXPIRED', 'certificate has expired'), reason: 'tls' },
    { err: sysErr('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), reason: 'tls' },
    { err: sysErr('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), reason: 'tls' },
    { err: sysErr('ETIMEDOUT'), reason: 'timeout' },
    { err: sysErr('EHOSTUNREACH'), reason: 'other' },
    { err: sysErr('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/'), reason: 'other' },
    { err: 'a string', reason: 'other' },
  ])('$err.message → $reason', ({ err, reason }) => {
    const r = classifyError(err);
    expect(r.reason).toBe(reason);
    expect(r.detail.length).toBeGreaterThan(0);
  });

  it('keeps the error code in the detail', () => {
    expect(classifyError(sysErr('EHOSTUNREACH', 'no route')).detail).toBe('EHOSTUNREACH: no route');
  });
});

describe('clip', () => {
  it('caps details at the schema’s 256 characters', () => {
    expect(clip('x'.repeat(300))).toHaveLength(256);
    expect(clip('short')).toBe('short');
  });
});
