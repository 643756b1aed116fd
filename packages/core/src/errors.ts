/** An error raised by core, with a stable machine-readable code. */
export class CoreError extends Error {
  constructor(
    /** Stable code, e.g. `E_CORE_CANONICAL_JSON`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}
