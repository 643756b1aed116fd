/**
 * @edgesteer/http-kit — runtime-neutral HTTP helpers shared by the
 * controller (Node), the Worker (workerd and Node) and the DNS server.
 * Node-only helpers (listeners, key files, connection limits) live in
 * `@edgesteer/http-kit/node`.
 */
export { readBodyLimited, type BodyReaderLike, type LimitedBody, type RequestLike } from './body.js';
export { errorBody, type ErrorBody } from './error-body.js';
export { isClientAbort } from './client-abort.js';
export { methodLabel, HTTP_METHOD_LABELS, type HttpMethodLabel } from './method-label.js';
export { formatProbeKeyLine, MIN_PROBE_KEY_LENGTH, parseProbeKeys, ProbeKeyError, weakProbeKey, type ProbeKeyErrorCode, type ProbeKeyMap } from './probe-keys.js';
export {
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  receiveReport,
  REPORT_REFUSAL_STATUS,
  UploadSlots,
  withStatus,
  type ReceivedReport,
  type ReceiveReportOptions,
  type ReportHttpRefusal,
} from './receive-report.js';
