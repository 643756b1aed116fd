/**
 * GET /steer/:service — the decision for one HTTP client: which edge, where
 * to redirect, and why. The edge is the first of the routing table's answer
 * for the client's region (exactly what DNS answers); the reasons are core's
 * explain() over the same state, so they describe that very decision.
 */
import { explain, initialState, type ClientMap, type ClientRule, type Explanation, type RouteMode } from '@edgesteer/core';
import type { Policy, Service } from '@edgesteer/policy/neutral';
import { clientRegion, type ClientEvidence, type RegionSource } from './client-region.js';
import { edgeLocation } from './edge-location.js';
import type { EngineView } from './engine.js';
import { WorkerError } from './errors.js';

export interface SteerRequest {
  /** Service id or DNS name. */
  service: string;
  /** Path on the edge (after /steer/<service>). */
  path: string;
  /** Query to pass on (steering parameters removed). */
  search: URLSearchParams;
  evidence: ClientEvidence;
}

/** The body of ?format=json, and what the redirect is built from. */
export interface SteerDecision {
  service: string;
  name: string;
  region: string;
  regionSource: RegionSource;
  /** The client map rule that placed the client (cidr, country, continent, distance, default). */
  rule: ClientRule;
  client?: string;
  /** For cf: what request.cf said, e.g. "country:SG". */
  via?: string;
  /** The edge the client is sent to; null when nothing is answered (fail-closed, all down). */
  edge: string | null;
  location: string | null;
  answer: string[];
  ranked: string[];
  mode: RouteMode;
  rttMs?: number;
  /** Seconds a client may keep following this redirect (the service's DNS TTL). */
  ttl: number;
  table: { version: number; hash: string; generatedAt: number };
  /** One line per reason: the outcome, then each edge's place. */
  reasons: string[];
  explanation: Explanation;
}

/** Finds a service by id or by DNS name (case-insensitive, trailing dot optional). */
export function findService(policy: Policy, ref: string): Service {
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');
  const svc = policy.services.find((s) => s.id === ref) ?? policy.services.find((s) => norm(s.name) === norm(ref));
  if (!svc) {
    throw new WorkerError('E_STEER_UNKNOWN_SERVICE', `no service "${ref.slice(0, 64)}" (services: ${policy.services.map((s) => `${s.id} (${s.name})`).join(', ')})`);
  }
  return svc;
}

/** Decides where one client goes (see module doc). */
export function steer(view: EngineView, map: ClientMap, req: SteerRequest): SteerDecision {
  const policy = view.loaded.policy;
  const svc = findService(policy, req.service);
  const who = clientRegion(policy, map, req.evidence);
  const routes = view.table.services[svc.id];
  const entry = routes?.regions[who.region];
  const answer = entry?.answer ?? [];
  const edgeId = answer[0] ?? null;
  const edge = edgeId === null ? undefined : policy.edges.find((e) => e.id === edgeId);
  const location = edge ? edgeLocation(edge, req.path, req.search) ?? null : null;
  const now = view.table.generatedAt;
  const explanation = explain(policy, view.snapshot?.state ?? initialState(), svc.id, who.region, now);
  const reasons = [explanation.summary, ...explanation.edges.map((e) => `${e.edge}: ${e.reason}`)];
  if (edgeId !== null && !location) reasons.push(`${edgeId} has no address or alias to redirect to`);
  const d: SteerDecision = {
    service: svc.id,
    name: svc.name,
    region: who.region,
    regionSource: who.source,
    rule: who.rule,
    edge: edgeId,
    location,
    answer,
    ranked: entry?.ranked ?? [],
    mode: entry?.mode ?? 'closed',
    ttl: svc.ttl,
    table: { version: view.table.version, hash: view.table.hash, generatedAt: view.table.generatedAt },
    reasons,
    explanation,
  };
  if (who.client !== undefined) d.client = who.client;
  if (who.via !== undefined) d.via = who.via;
  if (entry?.rttMs !== undefined) d.rttMs = entry.rttMs;
  return d;
}
