/**
 * Replay protection in a form that can be stored: per probe, the highest
 * accepted `seq` and the newest signing time. Same rule as core's
 * ReplayGuard (a report is accepted only if its seq is higher), but as plain
 * JSON, because on Cloudflare it lives in a Durable Object and must be
 * checked and updated in the same compare-and-set as the decision state.
 */

/** Probe id → last accepted seq and newest signing timestamp (epoch ms). */
export type ReplayMemory = Record<string, { seq: number; maxTs: number }>;

/** Hard cap on remembered probes; beyond it the least recently seen are dropped. */
export const MAX_REPLAY_PROBES = 10_000;

export type ReplayCheck = { ok: true; next: ReplayMemory } | { ok: false; message: string; lastSeq: number };

/**
 * Checks `seq` of `probe` against the memory and returns the memory with it
 * recorded. Entries older than the signature window are dropped first: a
 * signature that old is refused by the timestamp check anyway.
 */
export function checkReplay(memory: ReplayMemory, probe: string, seq: number, timestamp: number, now: number, windowMs: number): ReplayCheck {
  const next: ReplayMemory = {};
  for (const [id, e] of Object.entries(memory)) if (e.maxTs + windowMs >= now) next[id] = e;
  const prev = next[probe];
  if (prev && seq <= prev.seq) {
    return { ok: false, lastSeq: prev.seq, message: `replayed or out-of-order report: seq ${seq} from probe "${probe}" is not above ${prev.seq}` };
  }
  next[probe] = { seq, maxTs: Math.max(timestamp, prev?.maxTs ?? timestamp) };
  const ids = Object.keys(next);
  if (ids.length > MAX_REPLAY_PROBES) {
    ids.sort((a, b) => next[a]!.maxTs - next[b]!.maxTs);
    for (const id of ids.slice(0, ids.length - MAX_REPLAY_PROBES)) delete next[id];
  }
  return { ok: true, next };
}
