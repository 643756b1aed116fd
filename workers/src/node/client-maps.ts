/**
 * The Worker's client map on Node: compiled by @edgesteer/geo from the
 * policy and its GeoIP database (the same compile as the DNS server's, so
 * the same hash), kept current in the background. When the policy's
 * placement inputs or the database file change, the current map keeps
 * serving until the new one is ready (a policy with different regions gets
 * its policy-only map meanwhile); a database that does not read is logged
 * and the current map stays.
 */
import { compileClientMap, type ClientMap } from '@edgesteer/core';
import { databasePathFor, loadClientMap, placementInputs, watchDatabase } from '@edgesteer/geo';
import type { Policy } from '@edgesteer/policy/neutral';
import type { WorkerLogger } from '../log.js';

export class NodeClientMaps {
  private inputs: string;
  private pending: string | undefined;
  private readonly interim = new WeakMap<Policy, ClientMap>();
  private unwatch: (() => void) | undefined;
  private watched: string | undefined;
  private latestPolicy: Policy;
  /** Placement inputs per policy object (get() runs per request). */
  private readonly inputsOf = new WeakMap<Policy, string>();

  private constructor(
    private map: ClientMap,
    policy: Policy,
    private readonly policyFile: string | undefined,
    private readonly log: WorkerLogger,
    private readonly watch: boolean,
  ) {
    this.inputs = JSON.stringify(placementInputs(policy));
    this.latestPolicy = policy;
    this.watchDb(policy);
  }

  /** Compiles the first map (before the Worker listens). Rejects with GeoError. */
  static async create(policy: Policy, policyFile: string | undefined, log: WorkerLogger, watch: boolean): Promise<NodeClientMaps> {
    const c = await loadClientMap(policy, policyFile, { thread: false });
    log.info({ event: 'client_map_loaded', clientMapHash: c.map.hash, source: c.map.source, database: c.database, ...c.map.stats, compileMs: Math.round(c.compileMs), cached: c.cached }, 'client map loaded');
    return new NodeClientMaps(c.map, policy, policyFile, log, watch);
  }

  /** The map to answer `policy` from now (see module doc). */
  get(policy: Policy): ClientMap {
    this.latestPolicy = policy;
    let inputs = this.inputsOf.get(policy);
    if (inputs === undefined) {
      inputs = JSON.stringify(placementInputs(policy));
      this.inputsOf.set(policy, inputs);
    }
    if (inputs === this.inputs) return this.map;
    if (this.pending !== inputs) {
      this.pending = inputs;
      void this.refresh(policy, inputs, 'policy change');
    }
    if (sameRegions(this.map, policy)) return this.map;
    let m = this.interim.get(policy);
    if (!m) {
      m = compileClientMap(policy);
      this.interim.set(policy, m);
    }
    return m;
  }

  private async refresh(policy: Policy, inputs: string, reason: string): Promise<void> {
    try {
      const c = await loadClientMap(policy, this.policyFile);
      if (this.pending !== undefined && this.pending !== inputs) return; // a newer policy is compiling
      const previous = this.map.hash;
      this.map = c.map;
      this.inputs = inputs;
      this.pending = undefined;
      this.watchDb(policy);
      if (previous !== c.map.hash) this.log.info({ event: 'client_map_changed', reason, clientMapHash: c.map.hash, previousClientMapHash: previous, ...c.map.stats }, 'client map changed');
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (this.pending === inputs) this.pending = undefined;
      this.log.error({ event: 'client_map_rejected', code: e.code ?? 'E_GEO_COMPILE', reason, clientMapHash: this.map.hash }, `${e.message ?? String(err)}; still serving the previous client map`);
    }
  }

  private watchDb(policy: Policy): void {
    const file = this.watch ? databasePathFor(policy, this.policyFile) : undefined;
    if (file === this.watched) return;
    this.unwatch?.();
    this.watched = file;
    this.unwatch = file
      ? watchDatabase(file, () => {
          const p = this.latestPolicy;
          void this.refresh(p, JSON.stringify(placementInputs(p)), 'database change');
        })
      : undefined;
  }

  close(): void {
    this.unwatch?.();
  }
}

function sameRegions(map: ClientMap, policy: Policy): boolean {
  return map.regions.length === policy.regions.length && policy.regions.every((r, i) => r.id === map.regions[i]);
}
