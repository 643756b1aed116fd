/**
 * The hash of the client map the data planes compile from the controller's
 * policy (and its GeoIP database), so /v1/table and /healthz show it beside
 * the table hash: equal hashes on the controller, the DNS servers and the
 * Workers mean every plane places clients alike. Compiled in the background
 * (a worker thread, @edgesteer/geo) once per policy; null until ready or
 * when the database does not read (logged).
 */
import type { Policy } from '@edgesteer/policy';
import { loadClientMap } from '@edgesteer/geo';
import type { Logger } from 'pino';

export class ClientMapHashes {
  private readonly hashes = new WeakMap<Policy, string | null>();

  constructor(
    private readonly policyFile: string | undefined,
    private readonly log: Logger,
  ) {}

  /** The map hash of `policy`, or null while it compiles (the first call starts the compile). */
  hash(policy: Policy): string | null {
    const known = this.hashes.get(policy);
    if (known !== undefined) return known;
    this.hashes.set(policy, null);
    loadClientMap(policy, this.policyFile).then(
      (c) => {
        this.hashes.set(policy, c.map.hash);
        this.log.info({ event: 'client_map_loaded', clientMapHash: c.map.hash, source: c.map.source, database: c.database, ...c.map.stats, compileMs: Math.round(c.compileMs) }, 'client map compiled');
      },
      (err: { code?: string; message?: string }) => this.log.error({ event: 'client_map_rejected', code: err.code ?? 'E_GEO_COMPILE' }, err.message ?? String(err)),
    );
    return null;
  }
}
