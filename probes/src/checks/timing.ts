/**
 * Per-check clock readings (performance.now(), sub-millisecond). Connect and
 * first byte are kept apart: connect time tracks network distance, first byte
 * adds the server's think time.
 */
export class CheckTiming {
  /** When the check began. */
  readonly start = performance.now();
  /** When name resolution finished (host names only); connect time is measured from here. */
  lookedUpAt: number | undefined;
  /** TCP connected (tcp, http) or TLS handshake done (https). First connection only. */
  connectedAt: number | undefined;
  /** First response byte of the final response. */
  firstByteAt: number | undefined;

  /** Connect time in ms, rounded to microseconds. */
  connectMs(): number | undefined {
    return this.connectedAt === undefined ? undefined : round3(this.connectedAt - (this.lookedUpAt ?? this.start));
  }

  /** Time to first byte from the start of the check (like curl's time_starttransfer), ms. */
  firstByteMs(): number | undefined {
    return this.firstByteAt === undefined ? undefined : round3(this.firstByteAt - this.start);
  }
}

function round3(ms: number): number {
  return Math.max(0, Math.round(ms * 1000) / 1000);
}
