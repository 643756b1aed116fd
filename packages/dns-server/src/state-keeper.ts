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
 * A new plane is built completely before it replaces the old one, so a query
 * is answered either entirely from the old state or entirely from the new.
 */
import { policyHash, tableForPolicy, type RoutingTable } from '@edgesteer/core';
import type { AnswerPlane } from '@edgesteer/dns-wire';
import { buildPlane } from './plane.js';
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
  /** Called with each new plane (and the state it was built from). */
  onPlane: (plane: AnswerPlane, policy: Policy, table: RoutingTable) => void;
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
  ) {
    const now = (opts.now ?? Date.now)();
    this.policy = policy;
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
    return new StateKeeper(opts, policy);
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
  }

  stop(): void {
    this.follower?.stop();
    this.unwatch?.();
    process.off('SIGHUP', this.onHup);
  }

  private build(policy: Policy, table: RoutingTable): AnswerPlane {
    return buildPlane(policy, table, this.opts.maxUdp);
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
    this.opts.onPlane(plane, this.policy, table);
    this.logPlane('table', previous);
    return true;
  }

  /** Swaps in a policy (local mode: with a fresh assume-up table). */
  setPolicy(policy: Policy, reason = 'policy'): boolean {
    const now = (this.opts.now ?? Date.now)();
    let table = this.table;
    if (this.source === 'local') {
      const fresh = tableForPolicy(policy, now);
      // Keep the version (and the SOA serial derived from it) moving forward across reloads.
      table = fresh.hash === this.table.hash ? this.table : { ...fresh, version: Math.max(fresh.version, this.table.version + 1) };
    }
    let plane: AnswerPlane;
    try {
      plane = this.build(policy, table);
    } catch (err) {
      this.opts.log.error({ err, code: 'E_DNS_POLICY_REJECTED' }, 'cannot build answers from the new policy; keeping the current one');
      return false;
    }
    const previous = this.table;
    this.policy = policy;
    if (table !== this.table) this.tableSince = now;
    this.table = table;
    this.plane = plane;
    this.opts.onPlane(plane, policy, table);
    this.logPlane(reason, previous);
    return true;
  }

  /** Reloads the policy file. Resolves false (and logs every problem) when it is invalid. */
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
      const applied = this.setPolicy(r.policy, `policy reload (${reason})`);
      if (applied) log.info({ file, reason, tableVersion: this.table.version }, 'policy reloaded');
      return applied;
    };
    const next = (this.reloading ?? Promise.resolve(true)).then(run, run);
    this.reloading = next;
    return next;
  }
}
