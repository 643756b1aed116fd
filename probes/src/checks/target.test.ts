import { describe, expect, it } from 'vitest';
import { EdgeSchema, type Edge } from '@edgesteer/policy';
import { hostnameOf, targetOf } from './target.js';

const edge = (input: Record<string, unknown>): Edge => EdgeSchema.parse({ id: 'e', region: 'eu', ...input });

describe('targetOf', () => {
  it.each([
    {
      name: 'http on the first IPv4, default port',
      edge: { ipv4: ['127.0.0.21', '127.0.0.22'], check: { type: 'http' } },
      want: { address: '127.0.0.21', port: 80, hostHeader: '127.0.0.21', servername: undefined, path: '/' },
    },
    {
      name: 'http on a custom port puts the port in Host',
      edge: { ipv4: ['127.0.0.21'], check: { type: 'http', port: 8080, path: '/healthz' } },
      want: { address: '127.0.0.21', port: 8080, hostHeader: '127.0.0.21:8080', path: '/healthz' },
    },
    {
      name: 'https with a Host header uses it for SNI',
      edge: { ipv4: ['127.0.0.25'], check: { type: 'https', host: 'edge.example.com:8443' } },
      want: { port: 443, hostHeader: 'edge.example.com:8443', servername: 'edge.example.com' },
    },
    {
      name: 'explicit sni wins over host',
      edge: { ipv4: ['127.0.0.25'], check: { type: 'https', host: 'a.example.com', sni: 'b.example.com' } },
      want: { hostHeader: 'a.example.com', servername: 'b.example.com' },
    },
    {
      name: 'IPv6 literal is bracketed in Host',
      edge: { ipv6: ['::1'], check: { type: 'http', port: 8080 } },
      want: { address: '::1', hostHeader: '[::1]:8080', servername: undefined },
    },
    {
      name: 'check.address overrides edge addresses',
      edge: { ipv4: ['127.0.0.21'], check: { type: 'tcp', address: '127.0.0.27', port: 5432 } },
      want: { type: 'tcp', address: '127.0.0.27', port: 5432 },
    },
    {
      name: 'alias edges are checked by name',
      edge: { alias: { dnsName: 'lb.example.net', hostedZoneId: 'Z1' }, check: { type: 'https' } },
      want: { address: 'lb.example.net', servername: 'lb.example.net', hostHeader: 'lb.example.net' },
    },
  ])('$name', ({ edge: input, want }) => {
    const r = targetOf(edge(input));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.target).toMatchObject(want);
  });

  it.each([
    { name: 'no address at all', input: { check: { type: 'http' } }, detail: /no address/ },
    { name: 'tcp without port', input: { ipv4: ['127.0.0.27'], check: { type: 'tcp' } }, detail: /needs check.port/ },
  ])('fails clearly: $name', ({ input, detail }) => {
    const r = targetOf(edge(input));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toMatch(detail);
  });
});

describe('hostnameOf', () => {
  it.each([
    ['a.example', 'a.example'],
    ['a.example:8443', 'a.example'],
    ['[::1]:80', '::1'],
    ['[::1]', '::1'],
  ])('%s → %s', (input, want) => expect(hostnameOf(input)).toBe(want));
});
