/**
 * A policy prepared for decision cycles: integer indexes, precomputed state
 * keys, the policy hash, and memory of the previous cycle's routes so an
 * unchanged route costs a comparison instead of allocations and hashing.
 *
 * Compiled policies are memoised on the policy's plain `JSON.stringify`
 * text, not on object identity: a policy edited in place produces different
 * text and gets a fresh compilation, so the memo can never serve derived
 * data of another policy. Compilation works on a private copy, so later
 * edits to the caller's object cannot leak into the memo either. Stringifying costs a fraction of a millisecond
 * even for a large fleet; recompiling costs a few.
 */
import type { Policy } from '@edgesteer/policy/neutral';
import type { RouteEntry, RouteMode, ServiceRoutes } from './types.js';
import { indexPolicy, type PolicyIndex } from './policy-index.js';
import { bestKey, linkKey } from './state.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex, utf8 } from './sha256.js';

/** Memory of one (service, region) route from an earlier cycle. Its arrays are frozen and shared between tables. */
export interface RouteMemo {
  mode: RouteMode;
  /** Edge indexes of `ranked` (mode 'ranked') or of `answer` (mode 'fallback'). */
  edges: readonly number[];
  answer: readonly string[];
  ranked: readonly string[];
  /**
   * UTF-8 bytes of the route's digest as a JSON string (`"<sha256 hex of
   * routeJson>"`): what the service digest hashes for this route (table-hash.ts).
   */
  digestJson: Uint8Array;
  /** The last entry built from this memo (reused while rttMs is unchanged), and its rttMs (NaN = none). */
  entry: RouteEntry;
  entryRtt: number;
  /** What the route left in state.order the last time it was recorded (table.ts rememberedOrder()). */
  remembered: readonly string[] | undefined;
}

/** Memory of one service's routes and digest. */
export interface ServiceMemo {
  /** Route memos the digest was computed from (by identity). */
  routes: Array<RouteMemo | undefined>;
  digest: string;
  /** The last ServiceRoutes object built (reused while every entry is), and its entries by region index. */
  built: ServiceRoutes | undefined;
  builtEntries: RouteEntry[];
}

/** DecisionState.order and .best as decide() returned them, with their entries by route slot (s * R + r). */
export interface OrderMemory {
  order: Record<string, readonly string[]>;
  best: Record<string, string>;
  bySlot: ReadonlyArray<readonly string[] | undefined>;
  /** First edge of each ranked latency route by slot (what `best` holds). */
  firsts: ReadonlyArray<string | undefined>;
}

/** A compiled policy (see module comment). */
export interface CompiledPolicy {
  idx: PolicyIndex;
  /** SHA-256 hex of the policy's canonical JSON. */
  policyHash: string;
  /** linkKeys[r * E + e] = `${region}|${edge}`. */
  linkKeys: string[];
  /** True when no edge id needs escaping in JSON (then '"' + id + '"' is its JSON text). */
  plainEdgeIds: boolean;
  /** Region indexes in the order of their ids (canonical JSON key order). */
  regionsByKey: number[];
  /**
   * UTF-8 pieces of each service's canonical JSON (table-hash.ts
   * serviceJson()) around its routes: the text before the first region key,
   * each region's key with its colon, and the text after the last route.
   */
  serviceHeads: Uint8Array[];
  regionKeys: Uint8Array[];
  serviceTails: Uint8Array[];
  /** bestKeys[s * R + r] = `${service}|${region}` (keys of DecisionState.order and .best). */
  bestKeys: string[];
  /** routeMemo[s * R + r]: previous route of service s for region r. */
  routeMemo: Array<RouteMemo | undefined>;
  serviceMemo: Array<ServiceMemo | undefined>;
  /**
   * The memos before those (the route and service routing before last),
   * while the route keeps changing: a flapping edge toggles routes between
   * two states, and both stay cheap. Dropped once the route settles.
   */
  routeMemoAlt: Array<RouteMemo | undefined>;
  serviceMemoAlt: Array<ServiceMemo | undefined>;
  /**
   * baseMemo[s * R + r]: failover or weighted ranking of the last decide()
   * (valid while the eligible set is unchanged, see context.ts
   * BaseValidity). Plain arrays: allocating thousands of small typed arrays
   * per cycle costs more than it saves.
   */
  baseMemo: Array<number[] | undefined>;
  /** Eligible edges and per-region RTTs of the last decide(). */
  lastEligible: Uint8Array | undefined;
  lastRtts: Array<Float64Array | undefined>;
  /**
   * The hysteresis memory the last decide() returned, and the one before
   * (see table.ts orderMemory()).
   */
  lastOrder: OrderMemory | undefined;
  lastOrderAlt: OrderMemory | undefined;
}

const MEMO_SLOTS = 4;
const memo: Array<{ plain: string; compiled: CompiledPolicy }> = [];
/** Policies deep-frozen by freezePolicy(): they cannot change, so they are recognised by identity. */
let frozen = new WeakMap<Policy, CompiledPolicy | null>();

/**
 * Deep-freezes `policy` (in place) and returns it. decide() then knows the
 * object by identity and skips serialising it every cycle to look up its
 * compiled form (a fraction of a millisecond per cycle for a large policy,
 * which adds up when a replay decides 86 400 times a day).
 */
export function freezePolicy<P extends Policy>(policy: P): P {
  deepFreeze(policy);
  if (!frozen.has(policy)) frozen.set(policy, null);
  return policy;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** Returns the compiled form of `policy`, from the memo when its content was seen recently. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const known = frozen.get(policy);
  if (known) return known;
  const plain = JSON.stringify(policy);
  for (let i = 0; i < memo.length; i++) {
    const m = memo[i]!;
    if (m.plain === plain) {
      if (i > 0) {
        memo.splice(i, 1);
        memo.unshift(m);
      }
      if (known === null) frozen.set(policy, m.compiled);
      return m.compiled;
    }
  }
  // Compile from a private copy: the caller may edit its object later, and
  // a memo hit for another, equal policy must not see those edits.
  const compiled = compileFresh(JSON.parse(plain) as Policy);
  memo.unshift({ plain, compiled });
  if (memo.length > MEMO_SLOTS) memo.pop();
  if (known === null) frozen.set(policy, compiled);
  return compiled;
}

function compileFresh(policy: Policy): CompiledPolicy {
  const idx = indexPolicy(policy);
  const R = idx.regions.length;
  const E = idx.edges.length;
  const linkKeys: string[] = new Array<string>(R * E);
  for (let r = 0; r < R; r++) for (let e = 0; e < E; e++) linkKeys[r * E + e] = linkKey(idx.regions[r]!.id, idx.edges[e]!.id);
  const bestKeys: string[] = new Array<string>(idx.services.length * R);
  idx.services.forEach((s, i) => {
    for (let r = 0; r < R; r++) bestKeys[i * R + r] = bestKey(s.service.id, idx.regions[r]!.id);
  });
  const regionsByKey = idx.regions.map((_, r) => r).sort((a, b) => (idx.regions[a]!.id < idx.regions[b]!.id ? -1 : idx.regions[a]!.id > idx.regions[b]!.id ? 1 : 0));
  return {
    idx,
    plainEdgeIds: idx.edges.every((e) => JSON.stringify(e.id) === `"${e.id}"`),
    regionsByKey,
    serviceHeads: idx.services.map(({ service: s }) => utf8('{"name":' + JSON.stringify(s.name) + ',"regions":{')),
    regionKeys: idx.regions.map((r) => utf8(JSON.stringify(r.id) + ':')),
    serviceTails: idx.services.map(({ service: s }) => utf8('},"steering":' + JSON.stringify(s.steering) + ',"ttl":' + JSON.stringify(s.ttl) + ',"types":' + JSON.stringify(s.types) + '}')),
    policyHash: sha256Hex(canonicalJson(policy)),
    linkKeys,
    bestKeys,
    routeMemo: new Array<RouteMemo | undefined>(idx.services.length * R),
    serviceMemo: new Array<ServiceMemo | undefined>(idx.services.length),
    routeMemoAlt: new Array<RouteMemo | undefined>(idx.services.length * R),
    serviceMemoAlt: new Array<ServiceMemo | undefined>(idx.services.length),
    lastOrder: undefined,
    lastOrderAlt: undefined,
    baseMemo: new Array<number[] | undefined>(idx.services.length * R),
    lastEligible: undefined,
    lastRtts: new Array<Float64Array | undefined>(R),
  };
}

/** Forgets the compiled form of `policy`, or of every policy (tests compare memoised and fresh cycles with it). */
export function clearCompiledPolicies(policy?: Policy): void {
  if (!policy) {
    memo.length = 0;
    frozen = new WeakMap();
    return;
  }
  if (frozen.has(policy)) frozen.set(policy, null);
  const plain = JSON.stringify(policy);
  const i = memo.findIndex((m) => m.plain === plain);
  if (i >= 0) memo.splice(i, 1);
}
