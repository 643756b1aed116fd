/** Decision state construction and the keys it is indexed by. */
import type { DecisionState } from './types.js';

/** State before any observation or decision: every edge is assumed up. */
export function initialState(): DecisionState {
  return { links: {}, verdicts: {}, order: {}, best: {}, version: 0, hash: '' };
}

/** Key of a link in DecisionState.links. */
export function linkKey(probeRegion: string, edge: string): string {
  return `${probeRegion}|${edge}`;
}

/** Key of a hysteresis memory entry in DecisionState.order and DecisionState.best. */
export function bestKey(service: string, region: string): string {
  return `${service}|${region}`;
}
