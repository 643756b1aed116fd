import { CodedError } from '@edgesteer/policy/neutral';
import { REPORT_INTAKE_ERRORS } from '@edgesteer/core';
import { errorBody as httpErrorBody, type ErrorBody as HttpErrorBody } from '@edgesteer/http-kit';

/**
 * Stable error codes of the Worker. Every 4xx/5xx it answers carries one in a
 * JSON body `{ "ok": false, "error": { "code", "message", ... } }` (the
 * controller's shape), so clients, logs and alerts can filter on it. Ingest
 * codes, statuses and reasons are the controller's, so a probe sees the same
 * verdicts from both sinks.
 */
export const WORKER_ERRORS = {
  /** Report intake and body size (E_BODY_TOO_LARGE also on DoH): core's codes, the controller's too. */
  ...REPORT_INTAKE_ERRORS,
  /** The ingest state kept changing under us (too many concurrent writers); retry. */
  E_STATE_CONFLICT: 'E_STATE_CONFLICT',
  /** POST /dns-query without Content-Type application/dns-message. */
  E_DOH_CONTENT_TYPE: 'E_DOH_CONTENT_TYPE',
  /** GET /dns-query without a dns= parameter. */
  E_DOH_MISSING_PARAM: 'E_DOH_MISSING_PARAM',
  /** dns= is not base64url (RFC 4648 §5, no padding). */
  E_DOH_BAD_BASE64URL: 'E_DOH_BAD_BASE64URL',
  /** The DNS message cannot be parsed as a query. */
  E_DOH_MALFORMED: 'E_DOH_MALFORMED',
  /** /resolve: name missing or not a DNS name. */
  E_RESOLVE_BAD_NAME: 'E_RESOLVE_BAD_NAME',
  /** /resolve: type is not a known mnemonic or a number 0-65535. */
  E_RESOLVE_BAD_TYPE: 'E_RESOLVE_BAD_TYPE',
  /** /resolve or /steer: edns_client_subnet is not an address or CIDR. */
  E_BAD_SUBNET: 'E_BAD_SUBNET',
  /** /steer: no service with that id or name. */
  E_STEER_UNKNOWN_SERVICE: 'E_STEER_UNKNOWN_SERVICE',
  /** /steer: the service has no edge to send the client to (fail-closed with every edge down). */
  E_STEER_NO_EDGE: 'E_STEER_NO_EDGE',
  /** The policy could not be loaded (bundle missing or POLICY_URL failing with no earlier good copy). */
  E_POLICY_UNAVAILABLE: 'E_POLICY_UNAVAILABLE',
  /** EDGESTEER_PROBE_KEYS is not a list of `id region secret` entries. */
  E_KEYS_INVALID: 'E_KEYS_INVALID',
  /** The client reset or closed the request before it was read (not logged: not our failure). */
  E_CLIENT_ABORTED: 'E_CLIENT_ABORTED',
  /** No such route. */
  E_NOT_FOUND: 'E_NOT_FOUND',
  /** Route exists, method does not. */
  E_METHOD_NOT_ALLOWED: 'E_METHOD_NOT_ALLOWED',
  /** Unexpected failure inside the Worker (a bug; logged with the stack). */
  E_INTERNAL: 'E_INTERNAL',
} as const;
export type WorkerErrorCode = keyof typeof WORKER_ERRORS;

/** An error with a stable code and a message that says what to do. */
export class WorkerError extends CodedError<WorkerErrorCode> {}

/** JSON body of every error response (http-kit's shape, the controller's too). */
export type ErrorBody = HttpErrorBody<WorkerErrorCode>;

/** Builds the error response body; `extra` adds fields such as `reason` or `problems`. */
export const errorBody: (code: WorkerErrorCode, message: string, extra?: Record<string, unknown>) => ErrorBody = httpErrorBody;

/** HTTP status for a WorkerError thrown out of a route. */
export function statusOf(code: WorkerErrorCode): 400 | 404 | 500 | 503 {
  switch (code) {
    case 'E_POLICY_UNAVAILABLE':
    case 'E_STATE_CONFLICT':
    case 'E_STEER_NO_EDGE':
      return 503;
    case 'E_NOT_FOUND':
    case 'E_STEER_UNKNOWN_SERVICE':
      return 404;
    case 'E_INTERNAL':
    case 'E_KEYS_INVALID':
      return 500;
    default:
      return 400;
  }
}
