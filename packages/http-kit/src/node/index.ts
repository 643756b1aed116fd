/**
 * @edgesteer/http-kit/node — Node-only helpers (the Worker's workerd build
 * never imports this entry): listeners, the probe key file loader, the
 * per-source connection gate and the one `host:port` parser.
 */
export { listenHttp, type HttpListener } from './listen.js';
export { metricsNodeListener, type MetricsSource } from './metrics-listener.js';
export { writeFileAtomic } from './atomic-write.js';
export { keyFileModeProblem, loadProbeKeys, PROBE_KEYS_ENV, readProbeKeyFile } from './probe-key-file.js';
export { formatProbeKeyLine, parseProbeKeys, ProbeKeyError, weakProbeKey, type ProbeKeyErrorCode, type ProbeKeyMap } from '@edgesteer/http-kit';
export { parseListen, ListenAddressError, type ListenAddress } from './listen-address.js';
export { ConnectionGate, gateHttpServer, sourceOf, type ConnectionGateOptions, type GateTicket } from './connection-gate.js';
