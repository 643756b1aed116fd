/**
 * Errors of the Route53 reconciler. Every one carries a stable code so the
 * CLI, the controller and on-call engineers can match on it.
 */
import { CodedError } from '@edgesteer/policy/neutral';

/** Stable error codes raised by this package. */
export type Route53ErrorCode =
  | 'E_R53_CHECKSUM_MISMATCH'
  | 'E_R53_SAFETY_THRESHOLD'
  | 'E_R53_ZONE_NOT_FOUND'
  | 'E_R53_ZONE_MISMATCH'
  | 'E_R53_NAME_TOO_LONG'
  | 'E_R53_NO_CHECK_TARGET'
  | 'E_R53_CHECK_UNSUPPORTED'
  | 'E_R53_CHANGE_TOO_LARGE'
  | 'E_R53_APPLY_PARTIAL'
  | 'E_R53_APPLY_FAILED'
  | 'E_R53_RETRIES_EXHAUSTED'
  | 'E_R53_INSYNC_TIMEOUT'
  | 'E_R53_ABORTED'
  | 'E_R53_TABLE_SOURCE'
  | 'E_R53_NO_CLOUDWATCH'
  | 'E_R53_UNREACHABLE';

/** An error with a stable code and an actionable message. */
export class Route53Error extends CodedError<Route53ErrorCode> {
  constructor(
    code: Route53ErrorCode,
    message: string,
    /** Extra machine-readable detail (e.g. the failed changes). */
    readonly detail?: unknown,
  ) {
    super(code, message);
  }
}
