import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp } from './cidr.js';

describe('parseIp', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s → %s', (input, text) => {
    const ip = parseIp(input);
    expect(ip).not.toBeNull();
    expect(formatIp(ip!)).toBe(text);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '::ffff:1.2.3', '1:2:3:4:5:6:7::8:9'])(
    'rejects %j',
    (input) => expect(parseIp(input)).toBeNull(),
  );
});

describe('parseCidr', () => {
  it.each([
    ['10.1.0.0/16', 16, false],
    ['10.1.2.3/16', 16, true],
    ['0.0.0.0/0', 0, false],
    ['2001:db8:1::/48', 48, false],
    ['2001:db8:1::1/48', 48, true],
    ['10.1.2.3/32', 32, false],
  ])('%s → prefix %i, host bits %s', (input, prefix, hostBits) => {
    const c = parseCidr(input)!;
    expect(c.prefix).toBe(prefix);
    expect(c.hostBitsSet).toBe(hostBits);
  });

  it.each(['10.1.0.0', '10.1.0.0/33', '10.1.0.0/-1', '10.1.0.0/016', '::/129', 'x/8', '10.1.0.0/'])('rejects %j', (input) =>
    expect(parseCidr(input)).toBeNull(),
  );

  it('formats back', () => expect(formatCidr(parseCidr('2001:db8:2::/48')!)).toBe('2001:db8:2::/48'));
});

describe('containment and overlap', () => {
  const c = (s: string) => parseCidr(s)!;
  const ip = (s: string) => parseIp(s)!;
  it.each([
    ['10.1.0.0/16', '10.1.255.4', true],
    ['10.1.0.0/16', '10.2.0.1', false],
    ['10.1.0.0/17', '10.1.128.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['2001:db8:1::/48', '2001:db8:1:ffff::1', true],
    ['2001:db8:1::/48', '2001:db8:2::1', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false],
  ])('%s contains %s: %s', (block, addr, want) => expect(cidrContains(c(block), ip(addr))).toBe(want));

  it.each([
    ['10.1.0.0/16', '10.1.2.0/24', true],
    ['10.1.0.0/16', '10.2.0.0/16', false],
    ['10.0.0.0/8', '10.255.0.0/16', true],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['2001:db8:1::/48', '10.1.0.0/16', false],
  ])('%s overlaps %s: %s', (a, b, want) => {
    expect(cidrsOverlap(c(a), c(b))).toBe(want);
    expect(cidrsOverlap(c(b), c(a))).toBe(want);
  });
});
