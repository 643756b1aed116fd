/**
 * Keeps the policy and the routing table the server answers from, and
 * rebuilds the answer plane when either changes:
 *
 * - policy: given in memory, or loaded from a file and reloaded on SIGHUP and
 *   on file change. An invalid policy is rejected with every problem logged
 *   (file:line:col rule message) and the old policy keeps serving.
 * - table: from the controller (TableFollower) when configured, else the
 *   assume-up table computed from the policy (tableForPolicy).
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
import { compileClientMap, policyHash, tableForPolicy, type ClientMap, type RoutingTable } from '@edgesteer/core';
import { databasePathFor, loadClientMap, placementInputs, watchDatabase } from '@edgesteer/geo';
import { buildAnswerPlane, type AnswerPlane } from '@edgesteer/dns-wire';
import { formatProblem, loadPolicyFile, type Policy } from '@edgesteer/policy';
import type { Logger } from 'pino';
import { DnsServerError } from './errors.js';
import { watchPolicyFile } from './policy-watch.js';
import { TableFollower, type TableFollowerOptions } from './table-follower.js';

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
  onPlane: (plane: AnswerPlane, policy: Policy, table: RoutingTable, clientMap: ClientMap) => void;
  now?: () => number;
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
  for (const p of res.problems) log.warn({ file, rule: p.rule, line: p.line, col: p.col }, formatProblem(p));
  return { policy: res.policy };
}

export class StateKeeper {
  policy: Policy;
  table: RoutingTable;
  plane: AnswerPlane;
  clientMap: ClientMap;
  private unwatchDb: (() => void) | undefined;
  private watchedDb: string | undefined;
  readonly source: 'controller' | 'local';
  /** When the current table arrived. */
  tableSince: number;
  private follower: TableFollower | undefined;
  private unwatch: (() => void) | undefined;
  private readonly onHup = () => void this.reload('SIGHUP');
  private reloading: Promise<boolean> | undefined;
  private lastMismatch = '';

  private constructor(
    private readonly opts: StateKeeperOptions,
    policy: Policy,
    clientMap: ClientMap,
  ) {
    const now = (opts.now ?? Date.now)();
    this.policy = policy;
    this.clientMap = clientMap;
    this.table = opts.table ?? tableForPolicy(policy, now);
    this.tableSince = now;
    this.source = opts.controller ? 'controller' : 'local';
    this.plane = this.build(policy, this.table);
    this.logPlane('initial', undefined);
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
    return new StateKeeper(opts, policy, map);
  }

  get followerState(): { lastSyncAt: number; stale: boolean } | undefined {
    return this.follower ? { lastSyncAt: this.follower.lastSyncAt, stale: this.follower.isStale() } : undefined;
  }

  /** Starts following the controller, watching the file and SIGHUP. */
  start(): void {
    const o = this.opts;
    if (o.controller) {
      this.follower = new TableFollower({ ...o.follower, controller: o.controller, log: o.log, onTable: (t) => this.setTable(t) });
      this.follower.start();
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

  /** Builds and installs a plane from the given state; false (logged) when it cannot be built. */
  private swap(policy: Policy, table: RoutingTable, map: ClientMap, reason: string): boolean {
    let plane: AnswerPlane;
    try {
      plane = buildAnswerPlane(policy, table, { maxUdp: this.opts.maxUdp, matcher: map });
    } catch (err) {
      this.opts.log.error({ err, code: 'E_DNS_POLICY_REJECTED', reason }, 'cannot build answers from the new state; keeping the current one');
      return false;
    }
    const previous = this.clientMap.hash;
    this.policy = policy;
    this.table = table;
    this.clientMap = map;
    this.plane = plane;
    this.opts.onPlane(plane, policy, table, map);
    if (previous !== map.hash) this.opts.log.info({ event: 'client_map_changed', reason, clientMapHash: map.hash, previousClientMapHash: previous, source: map.source, ...map.stats }, 'client map changed');
    return true;
  }

  stop(): void {
    this.follower?.stop();
    this.unwatch?.();
    this.unwatchDb?.();
    process.off('SIGHUP', this.onHup);
  }

  private build(policy: Policy, table: RoutingTable): AnswerPlane {
    return buildAnswerPlane(policy, table, { maxUdp: this.opts.maxUdp, matcher: this.clientMap });
  }

  private logPlane(reason: string, previous: RoutingTable | undefined): void {
    const t = this.table;
    this.opts.log.info(
      {
        reason,
        source: this.source,
        tableVersion: t.version,
        tableHash: t.hash,
        previousVersion: previous?.version,
        previousHash: previous?.hash,
        generatedAt: t.generatedAt,
        names: this.plane.stats.names,
        templates: this.plane.stats.templates,
      },
      reason === 'initial' ? 'answer plane built' : 'routing table changed',
    );
    for (const w of this.plane.warnings) this.opts.log.warn({ code: 'E_DNS_TABLE_POLICY_MISMATCH', tableVersion: t.version }, w);
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
      { code: 'E_DNS_TABLE_POLICY_MISMATCH', tableVersion: this.table.version, tablePolicyHash: theirs, policyHash: ours },
      'the routing table was computed from a different policy than this server loaded; answers use this server\'s policy for names and addresses — deploy the same policy file to the controller and the DNS servers',
    );
  }

  /** Swaps in a table. No-op when version and hash are unchanged. */
  setTable(table: RoutingTable): boolean {
    if (table.version === this.table.version && table.hash === this.table.hash) return false;
    let plane: AnswerPlane;
    try {
      plane = this.build(this.policy, table);
    } catch (err) {
      this.opts.log.error({ err, code: 'E_DNS_TABLE_REJECTED', tableVersion: table.version }, 'cannot build answers from the new routing table; keeping the current one');
      return false;
    }
    const previous = this.table;
    this.table = table;
    this.tableSince = (this.opts.now ?? Date.now)();
    this.plane = plane;
    this.opts.onPlane(plane, this.policy, table, this.clientMap);
    this.logPlane('table', previous);
    return true;
  }

  /**
   * Swaps in a policy (local mode: with a fresh assume-up table). With
   * `map`, that client map comes with it; without, the current map stays
   * while it fits the policy's regions and a new one compiles in the
   * background when the placement inputs changed.
   */
  setPolicy(policy: Policy, reason = 'policy', map?: ClientMap): boolean {
    const placementChanged = JSON.stringify(placementInputs(policy)) !== JSON.stringify(placementInputs(this.policy));
    const fits = map ?? (sameRegions(this.clientMap.regions, policy) ? this.clientMap : undefined);
    const now = (this.opts.now ?? Date.now)();
    let table = this.table;
    if (this.source === 'local') {
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
        for (const p of r.problems) log.error({ code: r.error.code, file }, p);
        log.error({ code: r.error.code, file, reason, problems: r.problems.length }, 'policy rejected; still serving the previous policy');
        return false;
      }
      if (JSON.stringify(r.policy) === JSON.stringify(this.policy)) {
        log.info({ file, reason }, 'policy unchanged');
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
      if (applied) log.info({ file, reason, tableVersion: this.table.version }, 'policy reloaded');
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
