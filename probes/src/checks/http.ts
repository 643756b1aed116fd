/** Plain HTTP check: TCP connect and then the shared HTTP exchange. */
import type { Check } from '@edgesteer/policy';
import type { CheckTarget } from './target.js';
import type { CheckContext, CheckOutcome } from './outcome.js';
import type { CheckTiming } from './timing.js';
import { openTcp } from './tcp.js';
import { httpExchangeCheck } from './http-common.js';

export function httpCheck(target: CheckTarget, check: Check, ctx: CheckContext, timing: CheckTiming): Promise<CheckOutcome> {
  return httpExchangeCheck('http', target, check, ctx, timing, () => openTcp(target, ctx, timing));
}
