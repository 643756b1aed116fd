import { CodedError } from '@edgesteer/policy';
import type { Problem } from '@edgesteer/policy';

/** A DNS server error with a stable code (E_DNS_...) and an actionable message. */
export class DnsServerError extends CodedError {
  constructor(
    code: string,
    message: string,
    /** Policy problems when code is E_POLICY_INVALID. */
    readonly problems: readonly Problem[] = [],
  ) {
    super(code, message);
  }
}
