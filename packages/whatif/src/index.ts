/**
 * @edgesteer/whatif — what another policy would do, before it ships or
 * after an incident: replay recorded observations through core's decide()
 * and plan a policy change against current observations. Pure: no I/O, no
 * clock of its own.
 */
export { replay, Replayer, type ReplayOptions, type ReplayResult, type ReplayAnswerChange, type ReplayOutage } from './replay.js';
export { renderReplay, renderReplays, offset, type LabelledReplay } from './replay-format.js';
export { planPolicyChange, type PlanInput, type PolicyPlan, type RouteChange, type ServiceMove, type Route53Change } from './plan.js';
export { renderPlanText, pct } from './plan-format.js';
export { clientMapFromPolicy, movedSpace, spaceShares, regionOf, rangeIndex, ipToBigInt, type ClientMapLike, type ClientRange } from './client-share.js';
