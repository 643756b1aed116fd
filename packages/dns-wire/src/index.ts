/**
 * @edgesteer/dns-wire — runtime-neutral DNS message codec (Uint8Array and
 * DataView only) and the precomputed answer plane shared by the DNS server
 * and the Worker's DoH endpoint.
 */
export * from './constants.js';
export * from './errors.js';
export { encodeName, readName, nameKey, canonicalName, isSubdomain, lowerAscii, MAX_POINTER_JUMPS, type ReadName } from './name.js';
export { WireWriter } from './writer.js';
export { decodeEcs, encodeEcs, ecsFromCidr, ecsAddressLength, type EcsOption } from './ecs.js';
export { PARSE, QueryInfo, parseQueryInto, type ParseStatus } from './query.js';
export {
  decodeMessage,
  encodeQuery,
  type DecodedMessage,
  type MessageFlags,
  type Question,
  type ResourceRecord,
  type RecordData,
  type SoaData,
  type Edns,
  type EdnsOption,
  type QuerySpec,
} from './message.js';
export { type RegionMatch, type RegionMatcherLike } from './region-lookup.js';
export { type Template, type TemplateSet } from './templates.js';
export {
  AnswerPlane,
  buildAnswerPlane,
  type AnswerInfo,
  type AnswerOptions,
  type AnswerPlaneOptions,
  type AnswerRoute,
  type AnswerTable,
  type Transport,
} from './answer-plane.js';
