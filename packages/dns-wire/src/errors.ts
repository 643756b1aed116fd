/** An error from the DNS codec with a stable code (`E_DNS_...`) for logs and tests. */
export class DnsWireError extends Error {
  constructor(
    /** Stable error code, e.g. E_DNS_NAME_LOOP. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsWireError';
  }
}
