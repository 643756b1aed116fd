import { describe, expect, it } from 'vitest';
import { DnsWireError } from './errors.js';
import { encodeName, nameKey, readName } from './name.js';
import { WireWriter } from './writer.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('encodeName / readName', () => {
  it.each(['cdn.example.com', 'CDN.Example.COM.', 'a.b', 'x', '_dmarc.example.com'])('round-trips %s with its case', (name) => {
    const wire = encodeName(name);
    const r = readName(wire, 0);
    expect(r.name).toBe(name.replace(/\.$/, ''));
    expect(r.end).toBe(wire.length);
    expect(r.wireLength).toBe(wire.length);
  });

  it('encodes the root as a single zero byte', () => {
    expect(Array.from(encodeName('.'))).toEqual([0]);
    expect(readName(bytes(0), 0)).toEqual({ name: '', end: 1, wireLength: 1 });
  });

  it.each([
    ['a'.repeat(64) + '.com', 'E_DNS_NAME_LABEL'],
    ['a..com', 'E_DNS_NAME_LABEL'],
    [Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'), 'E_DNS_NAME_LENGTH'],
    ['caf\u00e9\u4e00.com', 'E_DNS_NAME_CHAR'],
  ])('rejects %s with %s', (name, code) => {
    expect(() => encodeName(name)).toThrowError(expect.objectContaining({ code }) as Error);
  });

  it('escapes dots and odd bytes inside labels like a zone file', () => {
    expect(readName(bytes(3, 0x61, 0x2e, 0x01, 0), 0).name).toBe('a\\.\\001');
  });

  it('keys are case-insensitive and keep label boundaries', () => {
    expect(nameKey('CDN.Example.com')).toBe(nameKey('cdn.example.com.'));
    expect(nameKey('a.b')).not.toBe(nameKey('ab'));
  });
});

describe('compression', () => {
  it('writer compresses suffixes case-insensitively and reader follows pointers', () => {
    const w = new WireWriter(8);
    w.name('cdn.Example.com');
    const second = w.length;
    w.name('ns1.example.COM');
    const third = w.length;
    w.name('example.com');
    const msg = w.finish();
    // ns1 + pointer to "Example.com" at offset 4
    expect(Array.from(msg.subarray(second, third))).toEqual([3, ...ascii('ns1'), 0xc0, 4]);
    expect(Array.from(msg.subarray(third))).toEqual([0xc0, 4]);
    expect(readName(msg, second)).toEqual({ name: 'ns1.Example.com', end: third, wireLength: 17 });
    expect(readName(msg, third).name).toBe('Example.com');
  });

  it('follows a chain of backward pointers', () => {
    // 0: "com" 0 | 5: "a" ptr->0 | 9: "b" ptr->5
    const msg = bytes(3, ...ascii('com'), 0, 1, 0x61, 0xc0, 0, 1, 0x62, 0xc0, 5);
    expect(readName(msg, 9)).toEqual({ name: 'b.a.com', end: 13, wireLength: 9 });
  });

  it.each<[string, Uint8Array, number, string]>([
    ['self pointer', bytes(0xc0, 0), 0, 'E_DNS_NAME_LOOP'],
    ['forward pointer', bytes(0xc0, 2, 1, 0x61, 0), 0, 'E_DNS_NAME_LOOP'],
    ['two pointers pointing at each other', bytes(1, 0x61, 0xc0, 4, 0xc0, 0), 4, 'E_DNS_NAME_LOOP'],
    ['pointer into its own labels', bytes(1, 0x61, 1, 0x62, 0xc0, 2), 0, 'E_DNS_NAME_LOOP'],
    ['cut-off pointer', bytes(1, 0x61, 0xc0), 0, 'E_DNS_TRUNCATED'],
    ['label past the end', bytes(5, 0x61, 0x62), 0, 'E_DNS_TRUNCATED'],
    ['no terminator', bytes(1, 0x61), 0, 'E_DNS_TRUNCATED'],
    ['reserved label type 0x40', bytes(0x41, 0x61, 0), 0, 'E_DNS_NAME_LABEL'],
    ['reserved label type 0x80', bytes(0x81, 0x61, 0), 0, 'E_DNS_NAME_LABEL'],
  ])('rejects %s', (_what, msg, at, code) => {
    let err: unknown;
    try {
      readName(msg, at);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DnsWireError);
    expect((err as DnsWireError).code).toBe(code);
  });

  it('rejects a name that grows past 255 bytes through pointers', () => {
    // 4 labels of 63 at 0..255, then a name of 2 labels pointing back: total > 255.
    const parts: number[] = [];
    for (let i = 0; i < 4; i++) parts.push(63, ...new Array<number>(63).fill(0x61));
    parts.push(0);
    const msg = bytes(...parts, 1, 0x62, 0xc0, 0);
    expect(() => readName(msg, parts.length)).toThrowError(expect.objectContaining({ code: 'E_DNS_NAME_LENGTH' }) as Error);
  });
});
