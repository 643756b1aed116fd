import { describe, expect, it } from 'vitest';
import { DnsServerError } from './errors.js';
import { captureLogger } from './test-support.js';
import { resolveUdpPath } from './udp-path.js';

const missing = () => ({ error: 'the addon is not built (npm run build builds it with g++)' });
const present = () => ({ addon: {} });

describe('resolveUdpPath', () => {
  it.each([
    ['auto', present, 'batched', 0],
    ['auto', missing, 'dgram', 1],
    ['dgram', missing, 'dgram', 0],
    ['dgram', present, 'dgram', 0],
    ['batched', present, 'batched', 0],
  ] as const)('%s with the addon %s → %s (%i warning)', (mode, load, want, warnings) => {
    const { log, lines } = captureLogger();
    expect(resolveUdpPath(mode, log, load)).toBe(want);
    const warned = lines.filter((l) => l['event'] === 'udp_batched_unavailable');
    expect(warned).toHaveLength(warnings);
    if (warnings) expect(warned[0]).toMatchObject({ code: 'E_DNS_BATCH_UNAVAILABLE', reason: missing().error });
  });

  it('refuses --udp batched without the addon, with a stable code and what to do', () => {
    const { log } = captureLogger();
    expect(() => resolveUdpPath('batched', log, missing)).toThrow(DnsServerError);
    try {
      resolveUdpPath('batched', log, missing);
    } catch (err) {
      expect((err as DnsServerError).code).toBe('E_DNS_BATCH_UNAVAILABLE');
      expect((err as Error).message).toMatch(/use --udp dgram or auto/);
    }
  });

  it('finds the addon that npm run build / npm test build on Linux', () => {
    // Not skipped when missing: on Linux the build step makes it, and both paths are tested.
    const { log } = captureLogger();
    if (process.platform === 'linux') expect(resolveUdpPath('auto', log)).toBe('batched');
    else expect(resolveUdpPath('auto', log)).toBe('dgram');
  });
});
