import { ControlError } from './errors.js';

/** A host and port to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or a bare port (→ 127.0.0.1: loopback
 * unless the operator explicitly asks for more). Port 0 = any free port.
 */
export function parseListen(value: string): ListenAddress {
  const v = value.trim();
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v) ?? (/^\d{1,5}$/.test(v) ? [v, undefined, '127.0.0.1', v] : null);
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] ?? m[2]) : undefined;
  if (!m || !host || !Number.isInteger(port) || port > 65_535) {
    throw new ControlError('E_LISTEN_INVALID', `--listen "${value}" is not host:port (e.g. 127.0.0.1:8080, [::1]:8080 or 8080)`);
  }
  return { host, port };
}
