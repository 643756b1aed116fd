/** Parses `host:port`, `[v6]:port`, `:port` or `port` (host defaults to 127.0.0.1). Throws on anything else. */
export function parseListen(text: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))?:?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--listen "${text}" is not host:port (e.g. 127.0.0.1:5353 or [::1]:5353)`);
  }
  const host = m[1] ?? (m[2] || defaultHost);
  return { host, port };
}
