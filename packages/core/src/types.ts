/**
 * Core data types: observations in, routing table out. Shared by every plane.
 * The observation report schema is the one wire format probes send to the
 * controller and the Worker.
 */
import { z } from 'zod';

/** Machine-readable reason of a failed check. */
export const FAILURE_REASONS = ['timeout', 'refused', 'reset', 'tls', 'status', 'body', 'dns', 'other'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** One probe result: one check of one edge from one region. */
export const ObservationSchema = z
  .object({
    probeRegion: z.string().min(1).max(63),
    edge: z.string().min(1).max(63),
    /** Unix epoch milliseconds when the check started. */
    at: z.number().int().nonnegative(),
    ok: z.boolean(),
    reason: z.enum(FAILURE_REASONS).optional(),
    /** Free-text detail for humans (status code, error message); never parsed. */
    detail: z.string().max(256).optional(),
    /** TCP (and TLS) connect time, ms, sub-ms precision. */
    connectMs: z.number().nonnegative().max(600_000).optional(),
    /** Time to first response byte, ms (http/https only). */
    firstByteMs: z.number().nonnegative().max(600_000).optional(),
  })
  .strict();
export type Observation = z.infer<typeof ObservationSchema>;

/**
 * How far an observation's `at` may lie after its report's `sentAt`: a
 * probe assembles a report after its checks ran, so only clock jitter
 * between the two stamps is allowed. Receivers also bound `at` by their own
 * clock (ingest's `now`); this bound needs no clock.
 */
export const MAX_OBSERVATION_LEAD_MS = 10_000;

/** A batch of observations as a probe sends it (body of POST /v1/observations). */
export const ReportSchema = z
  .object({
    probe: z.string().min(1).max(128).describe('Probe id (key id for the HMAC key).'),
    region: z.string().min(1).max(63),
    /** Monotonic per-key sequence number: replay protection. */
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    sentAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    observations: z.array(ObservationSchema).max(10_000),
  })
  .strict()
  .superRefine((r, ctx) => {
    const limit = r.sentAt + MAX_OBSERVATION_LEAD_MS;
    const i = r.observations.findIndex((o) => o.at > limit);
    if (i >= 0) {
      ctx.addIssue({ code: 'custom', path: ['observations', i, 'at'], message: `at ${r.observations[i]!.at} is after the report's sentAt ${r.sentAt} (+${MAX_OBSERVATION_LEAD_MS / 1000} s); check the probe's clock` });
    }
  });
export type Report = z.infer<typeof ReportSchema>;

/** Per (probe region, edge) health and RTT memory. */
export interface LinkState {
  /** Verdict of this one region about this edge (after rise/fall). */
  up: boolean;
  /** Consecutive successes / failures seen so far. */
  okStreak: number;
  failStreak: number;
  /** Time of the newest observation folded in (epoch ms). */
  lastAt: number;
  /** Last failure reason, for explain and dashboards. */
  lastReason?: FailureReason;
  lastDetail?: string;
  /** Robust RTT estimate in ms (EWMA of first-byte RTT, or of connect RTT when there is no first byte, as for TCP checks), undefined until measured. */
  rttMs?: number;
  /** Number of observations folded in. */
  samples: number;
}

/** Per edge verdict across regions. */
export interface EdgeVerdict {
  up: boolean;
  /** Regions with fresh data that currently say down. */
  downRegions: string[];
  /** Regions with fresh data. */
  freshRegions: number;
  /** Why, for humans (e.g. "down: 2/3 fresh regions say down (quorum 2): last failure timeout", "no fresh data (…): keeping last verdict (up)"). */
  reason: string;
  /** When the verdict last changed (epoch ms). */
  since: number;
}

/** Decision memory carried between cycles. Plain JSON (serialisable for persistence). */
export interface DecisionState {
  /** Key: `${probeRegion}|${edge}`. */
  links: Record<string, LinkState>;
  verdicts: Record<string, EdgeVerdict>;
  /**
   * Ranking hysteresis memory per `${service}|${region}` (latency-steered
   * services whose route was ranked): the measured part of the last cycle's
   * ranking (a prefix: measured edges rank first; an order guessed before
   * any RTT is not worth holding). The next cycle keeps each of these edges
   * at its place unless a faster edge beats it by the service's hysteresis
   * margin. Absent in states saved before whole-ranking hysteresis;
   * decide() always sets it.
   */
  order?: Record<string, readonly string[]>;
  /**
   * First edge of each ranked latency route, same keys as `order` (equal to
   * `order[k][0]` once that edge is measured). Kept for readers of older
   * states, and the seed of the first place when `order` is absent.
   */
  best: Record<string, string>;
  /** Table version: incremented each time the table's content hash changes. */
  version: number;
  /** Content hash of the last table. */
  hash: string;
}

/** How an entry's answer set was chosen. */
export type RouteMode = 'ranked' | 'fallback' | 'closed';

/** The answer for one (service, client region). */
export interface RouteEntry {
  /** Edges to answer, in order (length ≤ service.answers; empty only for fail-closed). */
  answer: string[];
  /** All healthy, undrained edges ranked best first (Route53 PRIMARY/SECONDARY come from here). */
  ranked: string[];
  mode: RouteMode;
  /** RTT (ms, rounded to 0.01) of the answer's first edge from this region, if measured. Informational: not covered by the table hash. */
  rttMs?: number;
}

export interface ServiceRoutes {
  name: string;
  ttl: number;
  types: Array<'A' | 'AAAA'>;
  steering: 'latency' | 'failover' | 'weighted';
  /** Key: region id. Every policy region is present. */
  regions: Record<string, RouteEntry>;
}

/** Output of decide(): what every plane answers. */
export interface RoutingTable {
  /** Monotonic, per decision state; changes iff hash changes. */
  version: number;
  /**
   * SHA-256 (hex) over the canonical JSON of { edges, policyHash, services },
   * each service replaced by the SHA-256 of its own canonical JSON, route
   * `rttMs` left out (exact definition: core's table-hash.ts; verify with
   * `verifyTableHash`). Same inputs → same hash, in any process.
   */
  hash: string;
  /** SHA-256 of the canonical policy the table was computed from. */
  policyHash: string;
  /** Clock time of the decision cycle (not part of the hash). */
  generatedAt: number;
  /** Key: service id. */
  services: Record<string, ServiceRoutes>;
  /** Key: edge id. Up/down verdict per edge. */
  edges: Record<string, { up: boolean; drain: boolean }>;
}

/** Injected clock: core never reads time itself. */
export type Clock = () => number;
