import { CodedError } from '@edgesteer/policy';
import { REPORT_INTAKE_ERRORS } from '@edgesteer/core';

/**
 * Stable error codes of the controller. Every rejection an HTTP client or an
 * operator sees carries one of these, so logs and alerts can filter on it.
 */
export const CONTROL_ERRORS = {
  /** Report intake (body size, signature, schema, region, replay): core's codes, the Worker's too. */
  ...REPORT_INTAKE_ERRORS,
  /** Admin endpoint called without the right bearer token. */
  E_ADMIN_UNAUTHORIZED: 'E_ADMIN_UNAUTHORIZED',
  /** Admin endpoint called while EDGESTEER_ADMIN_TOKEN is unset. */
  E_ADMIN_DISABLED: 'E_ADMIN_DISABLED',
  /** Policy file could not be loaded (problems listed alongside). */
  E_POLICY_INVALID: 'E_POLICY_INVALID',
  /** State file unreadable or not a controller snapshot. */
  E_STATE_CORRUPT: 'E_STATE_CORRUPT',
  /** Writing the state file failed. */
  E_STATE_WRITE: 'E_STATE_WRITE',
  /** Probe key configuration unusable (format, weak secret, none configured). */
  E_KEYS_INVALID: 'E_KEYS_INVALID',
  /** Key file readable or writable by group or other users. */
  E_KEYS_PERMS: 'E_KEYS_PERMS',
  /** Key file cannot be read. */
  E_KEYS_UNREADABLE: 'E_KEYS_UNREADABLE',
  /** --listen value is not host:port. */
  E_LISTEN_INVALID: 'E_LISTEN_INVALID',
} as const;
export type ControlErrorCode = keyof typeof CONTROL_ERRORS;

/** An error with a stable code and a message that says what to do. */
export class ControlError extends CodedError<ControlErrorCode> {}
