/**
 * RTT per (region, edge) and the per-region latency order of all edges.
 */
import type { PolicyIndex } from './policy-index.js';
import type { LinkGrid } from './verdicts.js';

/**
 * RTT (ms) of every edge from region `r`, NaN where not measured yet. The
 * estimate is the link's EWMA whether or not the link is fresh: a region
 * whose probe went quiet keeps its last ranking (fail-static) instead of
 * losing its RTTs.
 */
export function regionRtts(idx: PolicyIndex, grid: LinkGrid, r: number): Float64Array {
  const E = idx.edges.length;
  const out = new Float64Array(E);
  for (let e = 0; e < E; e++) out[e] = grid[r * E + e]?.rttMs ?? NaN;
  return out;
}

/**
 * Every edge index ordered for latency steering from region `r`: measured
 * edges by RTT ascending, then unmeasured ones — those located in `r` first
 * (the best guess before any probe has reported), then the rest. Ties fall
 * back to policy order (the order of `policy.edges`), which is total because
 * edge ids are unique.
 */
export function latencyOrder(idx: PolicyIndex, r: number, rtt: Float64Array): Int32Array {
  const order = Int32Array.from(idx.edges.keys());
  const home = idx.edgeHomeRegion;
  order.sort((a, b) => {
    const ra = rtt[a]!;
    const rb = rtt[b]!;
    const ma = ra === ra; // not NaN
    const mb = rb === rb;
    if (ma && mb) {
      if (ra !== rb) return ra - rb;
    } else if (ma !== mb) {
      return ma ? -1 : 1;
    } else {
      const la = home[a] === r;
      const lb = home[b] === r;
      if (la !== lb) return la ? -1 : 1;
    }
    return a - b;
  });
  return order;
}
