import type { Problem } from '@edgesteer/policy';

/** A DNS server error with a stable code (E_DNS_...) and an actionable message. */
export class DnsServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Policy problems when code is E_POLICY_INVALID. */
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = 'DnsServerError';
  }
}
