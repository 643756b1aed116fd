/**
 * Which database a policy's client map is compiled from: `geo.database`
 * (a .mmdb path, relative to the policy file), else the embedded default,
 * the CC0 country database of @ip-location-db/geo-whois-asn-country-mmdb
 * that arrives with `npm ci` (nothing is downloaded at run time).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Policy } from '@edgesteer/policy';
import { GeoError } from './errors.js';
import { openMmdb, type GeoDatabase } from './mmdb-records.js';

const require = createRequire(import.meta.url);

/** The embedded default database file. */
export const EMBEDDED_DATABASE = 'embedded:@ip-location-db/geo-whois-asn-country-mmdb';

/** Path of the embedded database file inside node_modules. */
export function embeddedDatabasePath(): string {
  return require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
}

/** The database file a policy asks for: undefined when geo is off. */
export function databasePathFor(policy: Policy, policyFile?: string): string | undefined {
  if (policy.geo?.enabled === false) return undefined;
  const db = policy.geo?.database;
  if (!db) return embeddedDatabasePath();
  return path.resolve(policyFile ? path.dirname(policyFile) : process.cwd(), db);
}

/** Reads and opens a database file. Throws GeoError E_GEO_DB_READ / E_GEO_DB_CORRUPT. */
export async function openDatabase(file: string): Promise<{ db: GeoDatabase; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new GeoError('E_GEO_DB_READ', `cannot read GeoIP database ${file}: ${(err as Error).message} (set geo.database in the policy to a .mmdb file, or leave it out for the embedded database)`, { cause: err });
  }
  const origin = file === embeddedDatabasePath() ? EMBEDDED_DATABASE : file;
  return { db: openMmdb(bytes, origin), bytes };
}
