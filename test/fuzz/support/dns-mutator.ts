/**
 * Fuzz packets for the DNS server: random bytes, a corpus of valid queries
 * mutated in many ways (bit flips, byte changes, cut-offs, extensions,
 * spliced halves, count fields, label lengths, compression pointers), and
 * hand-built hostile structures (pointer loops, huge counts, broken OPT/ECS,
 * deep label chains). Seeded: the same seed gives the same packets.
 */
import { seededRandom } from '@edgesteer/probes';
import { ecsFromCidr, encodeQuery, TYPE } from '@edgesteer/dns-wire';

/** Seeded integer and byte draws on core's PRNG: the same seed gives the same packets. */
export class Rng {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  /** A uniform 32-bit unsigned integer. */
  next(): number {
    return Math.floor(this.random() * 4294967296) >>> 0;
  }
  int(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const NAMES = ['cdn.example.com', 'CdN.ExAmPlE.CoM', 'example.com', 'ns1.example.com', 'nope.example.com', 'a.b.c.d.example.com', 'other.test', '', 'x'.repeat(63) + '.example.com'];
const TYPES = [TYPE.A, TYPE.AAAA, TYPE.SOA, TYPE.NS, TYPE.ANY, TYPE.TXT, TYPE.AXFR, TYPE.IXFR, TYPE.MX, 0, 65535, 128, 41];

/** Valid queries of many shapes: the corpus mutations start from. */
export function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const name of NAMES) {
    for (const type of TYPES) {
      if (type === 41) continue;
      out.push(encodeQuery({ id: out.length, name, type }));
      out.push(encodeQuery({ id: out.length, name, type, edns: { udpSize: 1232, dnssecOk: out.length % 2 === 0 } }));
      out.push(encodeQuery({ id: out.length, name, type, edns: { ecs: ecsFromCidr(out.length % 3 === 0 ? '2001:db8:2::/48' : '10.2.3.0/24') } }));
    }
  }
  return out;
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const QNAME = [3, 0x63, 0x64, 0x6e, 7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 3, 0x63, 0x6f, 0x6d, 0];

/** Packet generator over a corpus. */
export class DnsFuzzer {
  private readonly rng: Rng;
  private readonly seeds: Uint8Array[];
  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.seeds = corpus();
  }

  /** The n-th packet's kind is chosen at random; every kind is hit often in 50,000 packets. */
  packet(): Uint8Array {
    const r = this.rng;
    const base = r.pick(this.seeds);
    switch (r.int(16)) {
      case 0:
        return r.bytes(r.int(700));
      case 1: {
        // Bit flips.
        const m = base.slice();
        for (let k = 0, n = 1 + r.int(8); k < n; k++) m[r.int(m.length)]! ^= 1 << r.int(8);
        return m;
      }
      case 2: {
        const m = base.slice();
        for (let k = 0, n = 1 + r.int(4); k < n; k++) m[r.int(m.length)] = r.int(256);
        return m;
      }
      case 3:
        return base.slice(0, r.int(base.length));
      case 4: {
        // Extended with junk (trailing bytes, extra records that are not there).
        const m = new Uint8Array(base.length + 1 + r.int(300));
        m.set(base);
        m.set(r.bytes(m.length - base.length), base.length);
        return m;
      }
      case 5: {
        // Splice two queries.
        const other = r.pick(this.seeds);
        const cut = r.int(base.length);
        const m = new Uint8Array(cut + other.length - Math.min(other.length, cut));
        m.set(base.subarray(0, cut));
        m.set(other.subarray(Math.min(other.length, cut)), cut);
        return m;
      }
      case 6: {
        // Count fields set to extremes.
        const m = base.slice();
        const at = 4 + 2 * r.int(4);
        m[at] = r.pick([0, 0xff, 0x7f]);
        m[at + 1] = r.pick([0, 1, 2, 0xff]);
        return m;
      }
      case 7: {
        // Flags: QR, opcodes, TC, Z, rcode bits.
        const m = base.slice();
        m[2] = r.int(256);
        m[3] = r.int(256);
        return m;
      }
      case 8: // compression loops and pointers past the end
        return new Uint8Array([...u16(r.int(65536)), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...r.pick([[0xc0, 12], [0xc0, 14, 1, 0x61, 0], [1, 0x61, 0xc0, 16, 0xc0, 12], [0xff, 0xff], [0xc0, 0x0c, 0xc0, 0x0c]]), 0, 1, 0, 1]);
      case 9: // reserved label types (0x40, 0x80) and lengths past the end
        return new Uint8Array([...u16(r.int(65536)), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40 + r.int(0xc0), ...r.bytes(r.int(20)), 0, 0, 1, 0, 1]);
      case 10: {
        // A name of 127 one-letter labels (over 255 bytes).
        const labels: number[] = [];
        for (let k = 0; k < 127 + r.int(10); k++) labels.push(1, 0x61 + r.int(26));
        return new Uint8Array([...u16(r.int(65536)), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
      }
      case 11: // broken OPT / ECS
        return new Uint8Array([...u16(r.int(65536)), 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, ...QNAME, 0, 1, 0, 1, 0, 0, 41, ...u16(r.int(65536)), r.int(256), r.int(256), 0, 0, ...u16(8 + r.int(4)), 0, 8, ...u16(r.int(12)), ...r.bytes(r.int(12))]);
      case 12: // two OPT records, OPT not at the root
        return new Uint8Array([...u16(r.int(65536)), 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, ...QNAME, 0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
      case 13: {
        // Every byte of a header, random; valid question after.
        return new Uint8Array([...r.bytes(12), ...QNAME, 0, r.int(256), 0, r.int(256)]);
      }
      case 14: // tiny: 0-13 bytes
        return r.bytes(r.int(14));
      default:
        return base;
    }
  }
}
