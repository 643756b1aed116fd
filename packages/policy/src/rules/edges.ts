/** Edge and check rules: addresses, region reference, probe timing, TLS options. */
import { didYouMean } from '../did-you-mean.js';
import { CheckSchema, EdgeSchema, HealthSchema, LIMITS } from '../schema.js';
import type { RuleContext } from './context.js';
import { idIndex, isRec, items, nonEmpty, num, str, strings } from './context.js';

/** A field's default, read from the schema so the rules never disagree with it. */
function defaultOf(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }): number {
  const r = schema.safeParse(undefined);
  return r.success && typeof r.data === 'number' ? r.data : NaN;
}

function inRange(v: number, r: { min: number; max: number }): boolean {
  return v >= r.min && v <= r.max;
}

const DEFAULT_INTERVAL = defaultOf(CheckSchema.shape.intervalMs);
const DEFAULT_TIMEOUT = defaultOf(CheckSchema.shape.timeoutMs);
const DEFAULT_STALE = defaultOf(HealthSchema.shape.staleAfterMs);
const DEFAULT_WEIGHT = defaultOf(EdgeSchema.shape.weight);

export function checkEdges(ctx: RuleContext): void {
  const regions = idIndex(items(ctx.data, 'regions'));
  const health = isRec(ctx.data['health']) ? ctx.data['health'] : {};
  const stale = num(health['staleAfterMs']) ?? DEFAULT_STALE;
  // One finding for the slowest check, not one per edge at the same spot.
  let slowest: { id: string; cycle: number; interval: number; path: readonly (string | number)[] } | undefined;

  for (const e of items(ctx.data, 'edges') ?? []) {
    const id = str(e.rec['id']) ?? `edges[${String(e.path[1])}]`;
    const region = str(e.rec['region']);
    if (regions && region !== undefined && !regions.has(region)) {
      ctx.report({
        path: [...e.path, 'region'],
        rule: 'unknown-region',
        message: `edge '${id}' is in unknown region '${region}'${didYouMean(region, regions.keys())}`,
        hint: `define it under regions or use one of: ${[...regions.keys()].join(', ') || '(no regions defined)'}`,
      });
    }

    const hasIp = nonEmpty(e.rec['ipv4']) || nonEmpty(e.rec['ipv6']);
    const hasAlias = e.rec['alias'] !== undefined;
    if (!hasIp && !hasAlias) {
      ctx.report({
        path: [...e.path, 'id'],
        rule: 'edge-no-address',
        message: `edge '${id}' has no ipv4, ipv6 or alias, so there is nothing to answer with`,
        hint: 'add ipv4: [...] and/or ipv6: [...], or an alias target',
      });
    }

    const check = e.rec['check'];
    if (!isRec(check)) continue;
    const cpath = [...e.path, 'check'];
    const type = str(check['type']);
    if (!hasIp && hasAlias && check['address'] === undefined) {
      ctx.report({
        path: cpath,
        rule: 'check-address-required',
        message: `edge '${id}' has only an alias, so its check needs an address`,
        hint: "set check.address to the IP or hostname the probes should check",
      });
    }
    if (type === 'tcp' && check['port'] === undefined) {
      ctx.report({
        path: [...cpath, 'type'],
        rule: 'check-port-required',
        message: `tcp check of edge '${id}' has no port`,
        hint: 'add check.port (tcp has no default port)',
      });
    }
    const interval = num(check['intervalMs']) ?? DEFAULT_INTERVAL;
    const timeout = num(check['timeoutMs']) ?? DEFAULT_TIMEOUT;
    // Out-of-range values already have their own finding; comparing them adds noise.
    if (timeout >= interval && inRange(interval, LIMITS.intervalMs) && inRange(timeout, LIMITS.timeoutMs)) {
      ctx.report({
        path: check['timeoutMs'] !== undefined ? [...cpath, 'timeoutMs'] : check['intervalMs'] !== undefined ? [...cpath, 'intervalMs'] : cpath,
        rule: 'timeout-exceeds-interval',
        message: `check of edge '${id}' has timeoutMs ${timeout}, not below intervalMs ${interval}`,
        hint: 'a probe must finish before the next one starts: make timeoutMs smaller than intervalMs',
      });
    }
    if (type === 'http' || type === 'tcp') {
      for (const key of ['sni', 'insecureSkipVerify'] as const) {
        if (check[key] === undefined || check[key] === false) continue;
        ctx.report({
          path: [...cpath, key],
          anchor: 'key',
          rule: 'sni-on-http',
          message: `check of edge '${id}' is ${type} without TLS, so ${key} has no effect`,
          hint: `use type: https or remove ${key}`,
        });
      }
    }
    if (interval + timeout > (slowest?.cycle ?? -Infinity)) slowest = { id, cycle: interval + timeout, interval, path: cpath };
  }
  if (slowest && stale <= slowest.cycle) {
    ctx.report({
      path: health['staleAfterMs'] !== undefined ? ['health', 'staleAfterMs'] : slowest.path,
      rule: 'stale-before-interval',
      message: `health.staleAfterMs ${stale} is not above edge '${slowest.id}' intervalMs + timeoutMs (${slowest.cycle}), so its results go stale before the next one arrives`,
      hint: `raise staleAfterMs to a few intervals, e.g. ${slowest.interval * 3}`,
    });
  }
  checkServiceEdgeData(ctx);
}

/** Rules on a service that depend on its edges' data (addresses, weights). */
function checkServiceEdgeData(ctx: RuleContext): void {
  const edges = idIndex(items(ctx.data, 'edges'));
  if (!edges) return;
  for (const svc of items(ctx.data, 'services') ?? []) {
    const sid = str(svc.rec['id']) ?? `services[${String(svc.path[1])}]`;
    const own = strings(svc.rec['edges']).flatMap((r) => edges.get(r.value) ?? []);
    if (own.length === 0) continue;
    if (svc.rec['steering'] === 'weighted' && own.every((e) => (num(e.rec['weight']) ?? DEFAULT_WEIGHT) === 0)) {
      ctx.report({
        path: [...svc.path, 'steering'],
        rule: 'weight-out-of-range',
        message: `service '${sid}' uses weighted steering but all its edges have weight 0`,
        hint: 'give at least one edge a weight above 0',
      });
    }
    // Only when types is written out: the default (A and AAAA) answering NODATA for a missing family is expected.
    if (svc.rec['types'] === undefined) continue;
    const types = strings(svc.rec['types']).map((t) => t.value);
    for (const [type, key] of [['A', 'ipv4'], ['AAAA', 'ipv6']] as const) {
      if (!types.includes(type)) continue;
      if (own.some((e) => nonEmpty(e.rec[key]) || e.rec['alias'] !== undefined)) continue;
      ctx.report({
        path: [...svc.path, 'types'],
        rule: 'type-without-address',
        message: `service '${sid}' answers ${type} but none of its edges has an ${key} address, so ${type} queries get no data`,
        hint: `add ${key} to an edge or remove ${type} from types`,
      });
    }
  }
}
