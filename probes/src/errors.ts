import { CodedError } from '@edgesteer/policy/neutral';

/** An error the probe agent reports with a stable code and an actionable message. */
export class ProbeError extends CodedError {}
