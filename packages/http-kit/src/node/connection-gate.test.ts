import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionGate, sourceOf } from './connection-gate.js';

/** Enough of a Socket for the gate: an address, destroy() and 'close'. */
function sock(remoteAddress: string): Socket & { destroyed: boolean } {
  const s = new EventEmitter() as unknown as Socket & { destroyed: boolean };
  Object.assign(s, {
    remoteAddress,
    destroyed: false,
    destroy() {
      if (s.destroyed) return s;
      s.destroyed = true;
      s.emit('close');
      return s;
    },
  });
  return s;
}

describe('sourceOf', () => {
  it.each([
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (a, want) => expect(sourceOf(a)).toBe(want));
});

describe('ConnectionGate', () => {
  it('caps one source; a busy connection is never evicted, an idle one of the same source makes room', () => {
    const gate = new ConnectionGate({ maxConnections: 100, maxPerSource: 2 });
    const [a, b, c] = [sock('10.0.0.1'), sock('10.0.0.1'), sock('10.0.0.1')];
    const ta = gate.admit(a)!;
    gate.admit(b);
    expect(gate.admit(c)).toBeUndefined();
    expect(c.destroyed).toBe(true);
    ta.idle();
    const d = sock('10.0.0.1');
    expect(gate.admit(d)).toBeDefined();
    expect(a.destroyed).toBe(true);
    expect([gate.open, gate.refused, gate.evicted]).toEqual([2, 1, 1]);
  });

  it('when full, evicts the longest-idle connection of the heaviest source, never a lighter source’s', () => {
    let now = 0;
    const gate = new ConnectionGate({ maxConnections: 4, maxPerSource: 3 }, () => now);
    const heavy = [sock('10.0.0.1'), sock('10.0.0.1'), sock('10.0.0.1')];
    const tickets = heavy.map((s) => gate.admit(s)!);
    const light = sock('10.0.0.2');
    gate.admit(light)!.idle();
    tickets[1]!.idle();
    now = 5;
    tickets[2]!.idle();
    const newcomer = sock('10.0.0.3');
    expect(gate.admit(newcomer)).toBeDefined();
    expect(heavy.map((s) => s.destroyed)).toEqual([false, true, false]);
    expect(light.destroyed).toBe(false);
  });

  it('when full of busy connections, refuses the newcomer', () => {
    const gate = new ConnectionGate({ maxConnections: 2, maxPerSource: 2 });
    gate.admit(sock('10.0.0.1'));
    gate.admit(sock('10.0.0.1'));
    const late = sock('10.0.0.2');
    expect(gate.admit(late)).toBeUndefined();
    expect(late.destroyed).toBe(true);
  });

  it('forgets closed connections', () => {
    const gate = new ConnectionGate({ maxConnections: 1, maxPerSource: 1 });
    const a = sock('10.0.0.1');
    gate.admit(a);
    a.destroy();
    expect(gate.open).toBe(0);
    expect(gate.admit(sock('10.0.0.1'))).toBeDefined();
  });
});
