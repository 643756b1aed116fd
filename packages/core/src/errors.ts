import { CodedError } from '@edgesteer/policy/neutral';

/** An error raised by core, with a stable machine-readable code. */
export class CoreError extends CodedError {}
