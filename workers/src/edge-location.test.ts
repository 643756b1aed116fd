import { describe, expect, it } from 'vitest';
import { EdgeSchema, type Edge } from '@edgesteer/policy/neutral';
import { edgeLocation, edgeOrigin } from './edge-location.js';

const edge = (e: Record<string, unknown>): Edge => EdgeSchema.parse({ id: 'e', region: 'r', ...e });

describe('edge locations for /steer', () => {
  const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['http on 80', { ipv4: ['127.0.0.11'], check: { type: 'http' } }, 'http://127.0.0.11'],
    ['http on another port', { ipv4: ['127.0.0.11'], check: { type: 'http', port: 8080 } }, 'http://127.0.0.11:8080'],
    ['https on 443', { ipv4: ['127.0.0.12'], check: { type: 'https', port: 443 } }, 'https://127.0.0.12'],
    ['https on 8443', { ipv4: ['127.0.0.12'], check: { type: 'https', port: 8443 } }, 'https://127.0.0.12:8443'],
    ['tcp on 443', { ipv4: ['127.0.0.13'], check: { type: 'tcp', port: 443 } }, 'https://127.0.0.13'],
    ['IPv6 only', { ipv6: ['2001:db8::1'], check: { type: 'http' } }, 'http://[2001:db8::1]'],
    ['alias', { alias: { dnsName: 'lb-1.elb.example.net.', hostedZoneId: 'Z1' }, check: { type: 'https' } }, 'https://lb-1.elb.example.net'],
    ['nothing to point at', { check: { type: 'http' } }, undefined],
  ];
  for (const [what, e, origin] of cases) {
    it(what, () => {
      expect(edgeOrigin(edge(e))).toBe(origin);
    });
  }

  it('keeps the path and query', () => {
    const e = edge({ ipv4: ['127.0.0.11'], check: { type: 'http' } });
    expect(edgeLocation(e, '/a/b', new URLSearchParams('x=1&y=%2F'))).toBe('http://127.0.0.11/a/b?x=1&y=%2F');
    expect(edgeLocation(e, 'c', new URLSearchParams())).toBe('http://127.0.0.11/c');
  });
});
