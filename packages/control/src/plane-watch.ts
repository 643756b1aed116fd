/**
 * Watches the data planes (DNS servers, Workers, other controllers) named
 * with `--plane URL`: polls each one's `GET /healthz` (the plane health
 * contract: plane, status, table {version, hash, generatedAt}, policyHash,
 * clientMapHash, lastObservationAt) and tells whether they serve the same
 * table as the controller. Fields a plane does not publish are kept as
 * unknown, never guessed. The controller's dashboard shows the result
 * ("3 of 3 planes agree", or which plane differs and since when).
 */
import type { Controller } from './controller.js';

/** One plane as last seen. */
export interface PlaneStatus {
  url: string;
  /** `dns`, `worker`, `controller`, or unknown until its /healthz says. */
  kind: string | undefined;
  reachable: boolean;
  /** The plane's own status word (`ok`, `degraded`, `unsynced`, `stale`), if it gave one. */
  status: string | undefined;
  tableVersion: number | undefined;
  tableHash: string | undefined;
  generatedAt: number | undefined;
  policyHash: string | undefined;
  clientMapHash: string | null | undefined;
  lastObservationAt: number | null | undefined;
  /** When the last poll answered with JSON. */
  lastOkAt: number | undefined;
  /** When the last poll ended (answered or failed). */
  checkedAt: number | undefined;
  /** Why the last poll failed. */
  error: string | undefined;
  /** Since when this plane's table hash differs from the controller's (undefined while it agrees or is unknown). */
  differsSince: number | undefined;
  /** Since when it has been unreachable. */
  downSince: number | undefined;
}

/** What the controller's Route53 loop last did (read from its edgesteer_route53_* gauges), when a zone is managed. */
export interface Route53Status {
  /** Zones of the policy with route53.hostedZoneId. */
  zones: string[];
  loopActive: boolean | undefined;
  lastCycleAt: number | undefined;
  lastSuccessAt: number | undefined;
  /** Route53 matched the table at the last cycle. */
  inSync: boolean | undefined;
}

/** How the planes compare with the controller's table. */
export interface Agreement {
  /** Planes counted, the controller included. */
  total: number;
  /** Planes whose table hash equals the controller's. */
  agree: number;
  /** Planes that serve another table, with since when. */
  differ: Array<{ url: string; kind: string | undefined; since: number; hash: string }>;
  /** Planes whose table is unknown (unreachable, or no hash published). */
  unknown: Array<{ url: string; kind: string | undefined; why: string }>;
}

export interface PlaneWatchOptions {
  controller: Controller;
  urls: readonly string[];
  /** Poll interval. Default 1000 ms. */
  intervalMs?: number;
  /** Give up on one poll after this long. Default 800 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads the health contract's fields out of any /healthz JSON, leaving what is missing undefined. */
export function readPlaneHealth(body: unknown): Pick<PlaneStatus, 'kind' | 'status' | 'tableVersion' | 'tableHash' | 'generatedAt' | 'policyHash' | 'clientMapHash' | 'lastObservationAt'> {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const t = (b['table'] && typeof b['table'] === 'object' ? b['table'] : {}) as Record<string, unknown>;
  const cm = b['clientMapHash'];
  const lo = b['lastObservationAt'];
  // Before every plane publishes `plane`, tell the two we know by their own /healthz shape (and say it was inferred).
  const inferred = b['processes'] !== undefined ? 'dns?' : b['state'] && typeof b['state'] === 'object' && 'store' in (b['state'] as object) ? 'worker?' : undefined;
  return {
    kind: str(b['plane']) ?? inferred,
    status: str(b['status']),
    tableVersion: num(t['version']),
    tableHash: str(t['hash']),
    generatedAt: num(t['generatedAt']),
    policyHash: str(b['policyHash']) ?? str(t['policyHash']),
    clientMapHash: cm === null ? null : str(cm),
    lastObservationAt: lo === null ? null : num(lo),
  };
}

/** Polls the planes (see module doc). */
export class PlaneWatch {
  private readonly planes: PlaneStatus[];
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly fetch: typeof fetch;
  private polling = false;

  constructor(private readonly opts: PlaneWatchOptions) {
    this.fetch = opts.fetch ?? fetch;
    this.planes = [...new Set(opts.urls.map((u) => u.replace(/\/+$/, '')))].map((url) => ({
      url,
      kind: undefined,
      reachable: false,
      status: undefined,
      tableVersion: undefined,
      tableHash: undefined,
      generatedAt: undefined,
      policyHash: undefined,
      clientMapHash: undefined,
      lastObservationAt: undefined,
      lastOkAt: undefined,
      checkedAt: undefined,
      error: 'not checked yet',
      differsSince: undefined,
      downSince: undefined,
    }));
  }

  /** Planes in the order given. */
  get list(): readonly PlaneStatus[] {
    return this.planes;
  }

  /** Called after a poll round that changed anything. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Route53 as last read; undefined zones list means the policy manages none. */
  get route53(): Route53Status {
    return this._route53;
  }
  private _route53: Route53Status = { zones: [], loopActive: undefined, lastCycleAt: undefined, lastSuccessAt: undefined, inSync: undefined };

  start(): void {
    if (this.timer) return;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Polls every plane once (in parallel). */
  async pollOnce(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const before = JSON.stringify([this.planes, this._route53]);
      await Promise.all([...this.planes.map((p) => this.poll(p)), this.readRoute53()]);
      this.updateAgreementTimes();
      if (JSON.stringify([this.planes, this._route53]) !== before) for (const fn of this.listeners) fn();
    } finally {
      this.polling = false;
    }
  }

  /** The controller and every plane compared by table hash. */
  agreement(): Agreement {
    const mine = this.opts.controller.table.hash;
    const out: Agreement = { total: this.planes.length + 1, agree: 1, differ: [], unknown: [] };
    for (const p of this.planes) {
      if (!p.reachable) out.unknown.push({ url: p.url, kind: p.kind, why: `unreachable: ${p.error ?? 'no answer'}` });
      else if (p.tableHash === undefined) out.unknown.push({ url: p.url, kind: p.kind, why: 'publishes no table hash' });
      else if (p.tableHash === mine) out.agree++;
      else out.differ.push({ url: p.url, kind: p.kind, since: p.differsSince ?? this.opts.controller.clock(), hash: p.tableHash });
    }
    return out;
  }

  private async readRoute53(): Promise<void> {
    const c = this.opts.controller;
    const zones = c.policy.zones.filter((z) => z.route53?.hostedZoneId !== undefined).map((z) => `${z.name} (${z.route53!.hostedZoneId})`);
    const gauge = async (name: string): Promise<number | undefined> => {
      const m = c.metrics.registry.getSingleMetric(name);
      if (!m) return undefined;
      const v = (await m.get()).values[0]?.value;
      return typeof v === 'number' ? v : undefined;
    };
    const [active, cycle, success, empty] = await Promise.all(
      ['edgesteer_route53_loop_active', 'edgesteer_route53_last_cycle_timestamp_seconds', 'edgesteer_route53_last_success_timestamp_seconds', 'edgesteer_route53_last_plan_empty'].map(gauge),
    );
    this._route53 = {
      zones,
      loopActive: active === undefined ? undefined : active === 1,
      lastCycleAt: cycle ? cycle * 1000 : undefined,
      lastSuccessAt: success ? success * 1000 : undefined,
      inSync: empty === undefined ? undefined : empty === 1,
    };
  }

  private async poll(p: PlaneStatus): Promise<void> {
    const now = () => this.opts.controller.clock();
    try {
      const res = await this.fetch(`${p.url}/healthz`, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 800), headers: { accept: 'application/json' } });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`HTTP ${res.status}, body is not JSON`);
      }
      Object.assign(p, readPlaneHealth(body), { reachable: true, lastOkAt: now(), error: undefined, downSince: undefined });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message);
      if (p.reachable || p.downSince === undefined) p.downSince = now();
      Object.assign(p, { reachable: false, error: why });
    }
    p.checkedAt = now();
  }

  private updateAgreementTimes(): void {
    const mine = this.opts.controller.table.hash;
    for (const p of this.planes) {
      const differs = p.reachable && p.tableHash !== undefined && p.tableHash !== mine;
      if (!differs) p.differsSince = undefined;
      else p.differsSince ??= this.opts.controller.clock();
    }
  }
}
