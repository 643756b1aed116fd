/** Errors of the geo adapter, each with a stable code. */
export type GeoErrorCode = 'E_GEO_DB_READ' | 'E_GEO_DB_CORRUPT' | 'E_GEO_COMPILE';

export class GeoError extends Error {
  override readonly name = 'GeoError';
  constructor(
    readonly code: GeoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
