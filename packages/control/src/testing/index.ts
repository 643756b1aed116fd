/**
 * Test helpers (`@edgesteer/control/testing`): fixture policy, probe keys,
 * signed reports, an in-process harness and an SSE reader. Not for
 * production use.
 */
export * from './fixtures.js';
export { harness, T0, type Harness } from './harness.js';
export { sseReader, type ReadEvent, type SseReader } from './sse-reader.js';
