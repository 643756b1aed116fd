/** HTTPS check: TLS (verified unless the edge opts out) and then the shared HTTP exchange. */
import { connect, type TLSSocket } from 'node:tls';
import type { Check } from '@edgesteer/policy';
import type { CheckTarget } from './target.js';
import type { CheckContext, CheckOutcome } from './outcome.js';
import type { CheckTiming } from './timing.js';
import { whenConnected } from './tcp.js';
import { httpExchangeCheck } from './http-common.js';

/** Opens a TLS connection; connect time includes the handshake. */
export function openTls(target: CheckTarget, check: Check, ctx: CheckContext, timing: CheckTiming): Promise<TLSSocket> {
  const socket = connect({
    host: target.address,
    port: target.port,
    ...(target.servername ? { servername: target.servername } : {}),
    rejectUnauthorized: !check.insecureSkipVerify,
    ALPNProtocols: ['http/1.1'],
    ...(ctx.ca ? { ca: ctx.ca } : {}),
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
  });
  return whenConnected(socket, 'secureConnect', ctx, timing);
}

export function httpsCheck(target: CheckTarget, check: Check, ctx: CheckContext, timing: CheckTiming): Promise<CheckOutcome> {
  return httpExchangeCheck('https', target, check, ctx, timing, () => openTls(target, check, ctx, timing));
}
