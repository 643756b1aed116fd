/** An error the probe agent reports with a stable code and an actionable message. */
export class ProbeError extends Error {
  constructor(
    /** Stable code, e.g. E_PROBE_KEY_MISSING. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}
