/**
 * The one `host:port` parser of every listen option in the repo
 * (`controller --listen`, `dns --listen` / `--metrics-listen`,
 * `worker --listen`, `probe --metrics-listen`): one format, one error.
 * An IPv6 host goes in brackets (`[::1]:5353`); port 0 picks a free port.
 * There is no bare-port shorthand: the host is always explicit, so nothing
 * listens beyond loopback unless the operator wrote it.
 */

/** A host and port to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** A listen option that is not `host:port`; `code` is E_LISTEN_INVALID. */
export class ListenAddressError extends Error {
  override readonly name = 'ListenAddressError';
  readonly code = 'E_LISTEN_INVALID';
}

const FORM = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** Parses `host:port` or `[v6]:port`; throws {@link ListenAddressError} naming `flag`. */
export function parseListen(text: string, flag = '--listen'): ListenAddress {
  const m = FORM.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) {
    throw new ListenAddressError(`${flag} "${text.slice(0, 64)}" is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080; port 0 = any free port)`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
