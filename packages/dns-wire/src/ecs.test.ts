import { describe, expect, it } from 'vitest';
import { decodeEcs, ecsFromCidr, encodeEcs } from './ecs.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('ECS option', () => {
  it.each([
    ['10.2.3.0/24', '000118000a0203'],
    ['10.2.3.4/32', '000120000a020304'],
    ['0.0.0.0/0', '00010000'],
    ['10.2.0.0/15', '00010f000a02'],
    ['2001:db8:2::/48', '0002300020010db80002'],
  ])('%s encodes as %s and decodes back', (cidr, wire) => {
    const opt = ecsFromCidr(cidr);
    const bytes = encodeEcs(opt);
    expect(hex(bytes)).toBe(wire);
    const back = decodeEcs(bytes);
    expect(back).toEqual(opt);
  });

  it('clears host bits beyond the prefix when encoding', () => {
    expect(hex(encodeEcs({ family: 1, sourcePrefix: 20, scopePrefix: 0, address: new Uint8Array([10, 2, 0xff, 4]) }))).toBe('00011400' + '0a02f0');
  });

  it('carries the scope prefix', () => {
    const opt = { ...ecsFromCidr('10.2.3.0/24'), scopePrefix: 16 };
    expect(decodeEcs(encodeEcs(opt)).scopePrefix).toBe(16);
  });

  it.each([
    ['too short', '0001'],
    ['unknown family', '000318000a0203'],
    ['IPv4 prefix over 32', '000121000a020304ff'],
    ['address longer than the prefix needs', '000118000a020300'],
    ['address shorter than the prefix needs', '000118000a02'],
    ['bits set beyond the prefix', '000117000a0203'],
  ])('rejects %s', (_what, wire) => {
    const bytes = new Uint8Array(wire.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(() => decodeEcs(bytes)).toThrowError(expect.objectContaining({ code: 'E_DNS_ECS_INVALID' }) as Error);
  });

  it('rejects text that is not a CIDR', () => {
    expect(() => ecsFromCidr('10.2.3.0')).toThrowError(expect.objectContaining({ code: 'E_DNS_ECS_INVALID' }) as Error);
  });
});
