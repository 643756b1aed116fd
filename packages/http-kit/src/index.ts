/**
 * @edgesteer/http-kit — runtime-neutral HTTP helpers shared by the
 * controller (Node) and the Worker (workerd and Node). Node-only helpers
 * (listeners on node:http) live in `@edgesteer/http-kit/node`.
 */
export { readBodyLimited, type BodyReaderLike, type LimitedBody, type RequestLike } from './body.js';
export { errorBody, type ErrorBody } from './error-body.js';
