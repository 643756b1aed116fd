/**
 * Keeps the policy and the routing table the server answers from, and
 * rebuilds the answer plane when either changes:
 *
 * - policy: given in memory, or loaded from a file and reloaded on SIGHUP and
 *   on file change. An invalid policy is rejected with every problem logged
 *   (file:line:col rule message) and the old policy keeps serving.
 * - table: decided here from the probes' reports (LocalDecider, fed by
 *   POST /v1/observations), or, with a controller configured, followed from
 *   it (TableFollower). A follower never goes back to an older table: within
 *   one controller epoch a lower version (or the same version with other
 *   content) is refused.
 *
 * - client map: compiled from the policy and its GeoIP database by
 *   @edgesteer/geo in the background (a worker thread); recompiled when the
 *   policy's placement inputs or the database file change. The old map
 *   serves until the new one is ready; a database that does not read keeps
 *   the old map (and, on a policy reload, the old policy) serving.
 *
 * A new plane is built completely before it replaces the old one, so a query
 * is answered either entirely from the old state or entirely from the new.
 */
import { randomUUID } from 'node:crypto';
import { compileClientMap, policyHash, tableForPolicy, type ClientMap, type RoutingTable } from '@edgesteer/core';
import { databasePathFor, loadClientMap, placementInputs, watchDatabase } from '@edgesteer/geo';
import type { AnswerPlane } from '@edgesteer/dns-wire';
import { buildPlane } from './plane.js';
import { formatProblem, loadPolicyFile, type Policy } from '@edgesteer/policy';
import type { Logger } from 'pino';
import { DnsServerError } from './errors.js';
import { watchPolicyFile } from './policy-watch.js';
import { LocalDecider, type PlaneStatus } from './local-decider.js';
import { PlaneStateFile } from './plane-state.js';
import { TableFollower, type TableFollowerOptions, type TableMeta } from './table-follower.js';

export interface StateKeeperOptions {
  policy?: Policy;
  policyFile?: string;
  controller?: string;
  /** First table (default: assume-up from the policy until the controller answers). */
  table?: RoutingTable;
  maxUdp: number;
  log: Logger;
  /** Reload when the policy file changes (default true when policyFile is set). */
  watch?: boolean;
  /** Reload on SIGHUP (default false; the CLI turns it on). */
  handleSigHup?: boolean;
  follower?: Partial<Omit<TableFollowerOptions, 'controller' | 'onTable' | 'log'>>;
  /** A fixed client map (tests, benchmarks); default: compiled from the policy and its database, and kept current. */
  clientMap?: ClientMap;
  /** Called with each new plane (and the state it was built from). */
  onPlane: (plane: AnswerPlane, policy: Policy, table: RoutingTable, hold: boolean, clientMap: ClientMap) => void;
  now?: () => number;
  /** Directory for the decision state (local mode): persisted before each new table is published. */
  stateDir?: string;
  /** Time-driven decision cycle period in local mode (default 1000 ms). */
  tickMs?: number;
}

async function readPolicy(file: string, log: Logger): Promise<{ policy: Policy } | { problems: string[]; error: DnsServerError }> {
  let res;
  try {
    res = await loadPolicyFile(file);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { problems: [message], error: new DnsServerError('E_POLICY_READ', message) };
  }
  if (!res.ok) {
    const lines = res.problems.map(formatProblem);
    const errors = res.problems.filter((p) => p.severity === 'error').length;
    return {
      problems: lines,
      error: new DnsServerError('E_POLICY_INVALID', `policy ${file} is invalid (${errors} error${errors === 1 ? '' : 's'}):\n${lines.join('\n')}`, res.problems),
    };
  }
  for (const p of res.problems) log.warn({ event: 'policy_warning', file, rule: p.rule, line: p.line, col: p.col }, formatProblem(p));
  return { policy: res.policy };
}

export class StateKeeper {
  policy: Policy;
  table: RoutingTable;
  plane: AnswerPlane;
  readonly source: 'controller' | 'local';
  /** When the current table arrived. */
  tableSince: number;
  /** Steered names answer SERVFAIL (unsynced, policy health.unsynced: servfail). */
  hold: boolean;
  /** Local mode: the decision engine fed by POST /v1/observations. */
  decider: LocalDecider | undefined;
  /** Controller epoch of the followed table (follower mode). */
  epoch: string | undefined;
  /** Tables refused because they were older than the one served. */
  refusedOlder = 0;
  /** A table from the controller has been accepted (the assume-up start table is not one). */
  private followed = false;
  private stateFile: PlaneStateFile | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private follower: TableFollower | undefined;
  private unwatch: (() => void) | undefined;
  private readonly onHup = () => void this.reload('SIGHUP');
  private reloading: Promise<boolean> | undefined;
  private lastMismatch = '';
  clientMap: ClientMap;
  private unwatchDb: (() => void) | undefined;
  private watchedDb: string | undefined;

  private constructor(
    private readonly opts: StateKeeperOptions,
    policy: Policy,
    restore: import('./plane-state.js').PlaneSnapshot | undefined,
    clientMap: ClientMap,
  ) {
    const now = (opts.now ?? Date.now)();
    this.policy = policy;
    this.clientMap = clientMap;
    this.source = opts.controller ? 'controller' : 'local';
    if (this.source === 'local' && !opts.table) {
      this.decider = new LocalDecider({
        policy,
        clock: opts.now ?? Date.now,
        log: opts.log,
        restore,
        newEpoch: randomUUID,
        publish: (t, hold) => void this.publish(t, hold, 'decision'),
      });
      this.table = this.decider.table;
      this.hold = this.decider.hold;
    } else {
      this.table = opts.table ?? tableForPolicy(policy, now);
      // A follower knows nothing until the controller answers: hold if the policy says so.
      this.hold = this.source === 'controller' && policy.health.unsynced === 'servfail';
    }
    this.tableSince = now;
    this.plane = this.build(policy, this.table, this.hold);
    this.logPlane('initial', undefined);
  }

  /** ok / unsynced / stale, for /healthz and metrics. */
  status(): PlaneStatus {
    if (this.decider) return this.decider.status();
    if (this.follower) return this.follower.lastSyncAt === 0 ? 'unsynced' : this.follower.isStale() ? 'stale' : 'ok';
    return 'ok';
  }

  /** Newest observation time the table reflects (local mode), else null. */
  lastObservationAt(): number | null {
    return this.decider?.sync.lastObservationAt ?? null;
  }

  /** Loads the policy (when given a file) and builds the first plane. Throws DnsServerError on an invalid policy. */
  static async create(opts: StateKeeperOptions): Promise<StateKeeper> {
    let policy = opts.policy;
    if (!policy) {
      if (!opts.policyFile) throw new DnsServerError('E_DNS_NO_POLICY', 'a policy or a policy file is required');
      const r = await readPolicy(opts.policyFile, opts.log);
      if ('error' in r) throw r.error;
      policy = r.policy;
    }
    let map = opts.clientMap;
    if (!map) {
      try {
        // Before the server answers: compile in this thread (records stay in memory for the next compile).
        const c = await loadClientMap(policy, opts.policyFile, { thread: false });
        map = c.map;
        opts.log.info({ event: 'client_map_loaded', clientMapHash: map.hash, source: map.source, database: c.database, ...map.stats, compileMs: Math.round(c.compileMs), cached: c.cached }, 'client map loaded');
      } catch (err) {
        const e = err as { code?: string; message?: string };
        throw new DnsServerError(e.code ?? 'E_GEO_COMPILE', e.message ?? String(err));
      }
    }
    let restore;
    let stateFile: PlaneStateFile | undefined;
    if (opts.stateDir && !opts.controller) {
      let keeperRef: StateKeeper | undefined;
      stateFile = new PlaneStateFile(opts.stateDir, () => keeperRef!.decider!.snapshot(), opts.log);
      restore = await stateFile.load();
      const keeper = new StateKeeper(opts, policy, restore, map);
      keeperRef = keeper;
      keeper.stateFile = stateFile;
      keeper.decider?.attachPersistence(stateFile);
      return keeper;
    }
    return new StateKeeper(opts, policy, undefined, map);
  }

  get followerState(): { lastSyncAt: number; stale: boolean } | undefined {
    return this.follower ? { lastSyncAt: this.follower.lastSyncAt, stale: this.follower.isStale() } : undefined;
  }

  /** Starts following the controller, watching the file and SIGHUP. */
  start(): void {
    const o = this.opts;
    if (o.controller) {
      this.follower = new TableFollower({ ...o.follower, controller: o.controller, log: o.log, onTable: (t, meta) => this.followTable(t, meta) });
      this.follower.start();
    }
    if (this.decider) {
      const tickMs = o.tickMs ?? 1000;
      this.tickTimer = setInterval(() => void this.decider?.tick(), tickMs);
      this.tickTimer.unref();
    }
    if (o.policyFile && (o.watch ?? true)) this.unwatch = watchPolicyFile(o.policyFile, () => void this.reload('file change'));
    if (o.handleSigHup) process.on('SIGHUP', this.onHup);
    this.watchDb();
  }

  /** Watches the policy's database file (when the map is ours to keep current). */
  private watchDb(): void {
    const file = this.opts.clientMap || this.opts.watch === false ? undefined : databasePathFor(this.policy, this.opts.policyFile);
    if (file === this.watchedDb) return;
    this.unwatchDb?.();
    this.unwatchDb = file ? watchDatabase(file, () => void this.refreshMap('database change')) : undefined;
    this.watchedDb = file;
  }

  /** Recompiles the client map in the background and swaps it in when ready; a failure keeps the current map. */
  refreshMap(reason: string): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      if (this.opts.clientMap) return false;
      const policy = this.policy;
      let map: ClientMap;
      try {
        map = (await loadClientMap(policy, this.opts.policyFile)).map;
      } catch (err) {
        const e = err as { code?: string; message?: string };
        this.opts.log.error({ event: 'client_map_rejected', code: e.code ?? 'E_GEO_COMPILE', reason, clientMapHash: this.clientMap.hash }, `${e.message ?? String(err)}; still serving the previous client map`);
        return false;
      }
      if (policy !== this.policy || map.hash === this.clientMap.hash) return false;
      return this.swap(this.policy, this.table, map, reason);
    };
    const next = (this.reloading ?? Promise.resolve(true)).then(run, run);
    this.reloading = next;
    return next;
  }

  /** Builds and installs a plane from the given state (this table and hold flag); false (logged) when it cannot be built. */
  private swap(policy: Policy, table: RoutingTable, map: ClientMap, reason: string): boolean {
    let plane: AnswerPlane;
    try {
      plane = buildPlane(policy, table, { maxUdp: this.opts.maxUdp, holdSteered: this.hold, matcher: map });
    } catch (err) {
      this.opts.log.error({ err, code: 'E_DNS_POLICY_REJECTED', reason }, 'cannot build answers from the new state; keeping the current one');
      return false;
    }
    const previous = this.clientMap.hash;
    this.policy = policy;
    this.table = table;
    this.clientMap = map;
    this.plane = plane;
    this.opts.onPlane(plane, policy, table, this.hold, map);
    if (previous !== map.hash) this.opts.log.info({ event: 'client_map_changed', reason, clientMapHash: map.hash, previousClientMapHash: previous, source: map.source, ...map.stats }, 'client map changed');
    return true;
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.follower?.stop();
    this.unwatch?.();
    this.unwatchDb?.();
    process.off('SIGHUP', this.onHup);
  }

  /** Waits for queued decisions and the last state write (shutdown, tests). */
  async flush(): Promise<void> {
    await this.decider?.idle();
    await this.stateFile?.close();
  }

  private build(policy: Policy, table: RoutingTable, hold: boolean): AnswerPlane {
    return buildPlane(policy, table, { maxUdp: this.opts.maxUdp, holdSteered: hold, matcher: this.clientMap });
  }

  /**
   * A table from the controller. Refused when older than the one served in
   * the same controller epoch (a controller restarted from an older state
   * must not take clients back to a dead edge); a new epoch (the controller
   * lost its state) is accepted and logged.
   */
  private followTable(table: RoutingTable, meta: TableMeta): boolean {
    // A controller that sends no epoch is taken as one history (never going back is still enforced).
    const sameEpoch = meta.epoch === this.epoch;
    const older = table.version < this.table.version || (table.version === this.table.version && table.hash !== this.table.hash);
    if (this.followed && sameEpoch && older) {
      this.refusedOlder++;
      this.opts.log.warn(
        { event: 'table_refused', code: 'E_DNS_TABLE_OLDER', version: table.version, hash: table.hash, servingVersion: this.table.version, servingHash: this.table.hash, epoch: meta.epoch },
        `controller sent table version ${table.version}, older than the served version ${this.table.version}: keeping the newer one`,
      );
      return false;
    }
    if (this.followed && meta.epoch !== this.epoch) {
      this.opts.log.warn({ event: 'controller_epoch_changed', from: this.epoch, to: meta.epoch, version: table.version }, 'the controller started a new state history (epoch); following it');
    }
    this.epoch = meta.epoch;
    this.followed = true;
    const wasHeld = this.hold;
    this.hold = false;
    if (!this.setTable(table) && wasHeld) this.publish(this.table, false, 'synced');
    return true;
  }

  /** Swaps in a table decided here (or the hold flag). */
  private publish(table: RoutingTable, hold: boolean, reason: string): void {
    let plane: AnswerPlane;
    try {
      plane = this.build(this.policy, table, hold);
    } catch (err) {
      this.opts.log.error({ err, code: 'E_DNS_TABLE_REJECTED', tableVersion: table.version }, 'cannot build answers from the new routing table; keeping the current one');
      return;
    }
    const previous = this.table;
    this.hold = hold;
    if (table !== this.table) this.tableSince = (this.opts.now ?? Date.now)();
    this.table = table;
    this.plane = plane;
    this.opts.onPlane(plane, this.policy, table, hold, this.clientMap);
    this.logPlane(reason === 'decision' ? 'table' : reason, previous);
  }

  private logPlane(reason: string, previous: RoutingTable | undefined): void {
    const t = this.table;
    this.opts.log.info(
      {
        event: reason === 'initial' ? 'answer_plane_built' : 'table_changed',
        reason,
        source: this.source,
        tableVersion: t.version,
        tableHash: t.hash,
        previousVersion: previous?.version,
        previousHash: previous?.hash,
        generatedAt: t.generatedAt,
        hold: this.hold,
        // Which edges this table holds down: enough to audit, from the log alone, what every published table said.
        downEdges: Object.entries(t.edges ?? {}).filter(([, e]) => !e.up).map(([id]) => id),
        names: this.plane.stats.names,
        templates: this.plane.stats.templates,
      },
      reason === 'initial' ? 'answer plane built' : 'routing table changed',
    );
    for (const w of this.plane.warnings) this.opts.log.warn({ event: 'table_policy_mismatch', code: 'E_DNS_TABLE_POLICY_MISMATCH', tableVersion: t.version }, w);
    this.checkPolicyHash();
  }

  /** Says once per combination when the controller computed its table from another policy than ours. */
  private checkPolicyHash(): void {
    const ours = policyHash(this.policy);
    const theirs = this.table.policyHash;
    const key = `${ours}|${theirs}`;
    if (ours === theirs || key === this.lastMismatch) return;
    this.lastMismatch = key;
    this.opts.log.warn(
      { event: 'table_policy_mismatch', code: 'E_DNS_TABLE_POLICY_MISMATCH', tableVersion: this.table.version, tablePolicyHash: theirs, policyHash: ours },
      'the routing table was computed from a different policy than this server loaded; answers use this server\'s policy for names and addresses — deploy the same policy file to the controller and the DNS servers',
    );
  }

  /** Swaps in a table. No-op when version and hash are unchanged. */
  setTable(table: RoutingTable): boolean {
    if (table.version === this.table.version && table.hash === this.table.hash) return false;
    let plane: AnswerPlane;
    try {
      plane = this.build(this.policy, table, this.hold);
    } catch (err) {
      this.opts.log.error({ event: 'table_rejected', err, code: 'E_DNS_TABLE_REJECTED', tableVersion: table.version }, 'cannot build answers from the new routing table; keeping the current one');
      return false;
    }
    const previous = this.table;
    this.table = table;
    this.tableSince = (this.opts.now ?? Date.now)();
    this.plane = plane;
    this.opts.onPlane(plane, this.policy, table, this.hold, this.clientMap);
    this.logPlane('table', previous);
    return true;
  }

  /**
   * Swaps in a policy (local mode: decided again at once, the new table
   * follows). With `map`, that client map comes with it; without, the
   * current map stays while it fits the policy's regions and a new one
   * compiles in the background when the placement inputs changed.
   */
  setPolicy(policy: Policy, reason = 'policy', map?: ClientMap): boolean {
    const placementChanged = JSON.stringify(placementInputs(policy)) !== JSON.stringify(placementInputs(this.policy));
    const fits = map ?? (sameRegions(this.clientMap.regions, policy) ? this.clientMap : undefined);
    const now = (this.opts.now ?? Date.now)();
    let table = this.table;
    if (this.source === 'local' && !this.decider) {
      const fresh = tableForPolicy(policy, now);
      // Keep the version (and the SOA serial derived from it) moving forward across reloads.
      table = fresh.hash === this.table.hash ? this.table : { ...fresh, version: Math.max(fresh.version, this.table.version + 1) };
    }
    const previous = this.table;
    const changedTable = table !== this.table;
    // Regions changed and no map for them yet: the policy's own networks until the new map is ready.
    const interim = fits ?? buildRegionMatcherFor(policy);
    if (!this.swap(policy, table, interim, reason)) return false;
    if (changedTable) this.tableSince = now;
    this.logPlane(reason, previous);
    void this.decider?.setPolicy(policy);
    this.watchDb();
    if (!map && (placementChanged || !fits) && !this.opts.clientMap) void this.refreshMap(reason);
    return true;
  }

  /** Reloads the policy file (and its client map). Resolves false (and logs every problem) when it is invalid. */
  reload(reason = 'reload'): Promise<boolean> {
    // Serialise reloads: a SIGHUP during a file-change reload waits for it.
    const run = async (): Promise<boolean> => {
      const file = this.opts.policyFile;
      if (!file) return false;
      const log = this.opts.log;
      const r = await readPolicy(file, log);
      if ('error' in r) {
        for (const p of r.problems) log.error({ event: 'policy_invalid', code: r.error.code, file }, p);
        log.error({ event: 'policy_rejected', code: r.error.code, file, reason, problems: r.problems.length }, 'policy rejected; still serving the previous policy');
        return false;
      }
      if (JSON.stringify(r.policy) === JSON.stringify(this.policy)) {
        log.info({ event: 'policy_unchanged', file, reason }, 'policy unchanged');
        return true;
      }
      // The new map compiles first (in the background) so the policy and its map switch together.
      let map: ClientMap | undefined;
      if (!this.opts.clientMap && JSON.stringify(placementInputs(r.policy)) !== JSON.stringify(placementInputs(this.policy))) {
        try {
          map = (await loadClientMap(r.policy, file)).map;
        } catch (err) {
          const e = err as { code?: string; message?: string };
          log.error({ event: 'client_map_rejected', code: e.code ?? 'E_GEO_COMPILE', file, reason }, `${e.message ?? String(err)}; policy rejected, still serving the previous policy and client map`);
          return false;
        }
      }
      const applied = this.setPolicy(r.policy, `policy reload (${reason})`, map);
      if (applied) log.info({ event: 'policy_reloaded', file, reason, tableVersion: this.table.version }, 'policy reloaded');
      return applied;
    };
    const next = (this.reloading ?? Promise.resolve(true)).then(run, run);
    this.reloading = next;
    return next;
  }
}

function sameRegions(ids: readonly string[], policy: Policy): boolean {
  return ids.length === policy.regions.length && policy.regions.every((r, i) => r.id === ids[i]);
}

/** The policy-only client map (clientCidrs and the default region). */
function buildRegionMatcherFor(policy: Policy): ClientMap {
  return compileClientMap(policy);
}
