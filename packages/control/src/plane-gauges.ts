/**
 * The plane health contract on /metrics (the same fields as /healthz, and
 * the same series the DNS server and the Worker publish), so planes fed the
 * same reports can be compared by their table hash from a scrape alone.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Controller } from './controller.js';
import { healthView } from './views.js';

/** Registers edgesteer_plane_info / _synced / _last_observation_timestamp_seconds for this controller. */
export function registerPlaneGauges(registry: Registry, controller: Controller): void {
  const registers = [registry];
  new Gauge({
    name: 'edgesteer_plane_info',
    help: 'This plane: status (ok, unsynced, stale, degraded), table and policy hashes, client map hash ("" when none).',
    labelNames: ['plane', 'status', 'table_hash', 'policy_hash', 'client_map_hash'],
    registers,
    collect() {
      const h = healthView(controller);
      this.reset();
      this.set({ plane: 'controller', status: h.status, table_hash: h.table.hash, policy_hash: h.policyHash, client_map_hash: h.clientMapHash ?? '' }, 1);
    },
  });
  new Gauge({
    name: 'edgesteer_plane_synced',
    help: '1 when fresh data from quorum regions backs the table.',
    labelNames: ['plane'],
    registers,
    collect() {
      this.set({ plane: 'controller' }, healthView(controller).sync.synced ? 1 : 0);
    },
  });
  new Gauge({
    name: 'edgesteer_plane_last_observation_timestamp_seconds',
    help: 'Newest probe observation folded into the decision state (unix seconds).',
    labelNames: ['plane'],
    registers,
    collect() {
      const at = healthView(controller).lastObservationAt;
      this.reset();
      if (at !== null) this.set({ plane: 'controller' }, at / 1000);
    },
  });
}
