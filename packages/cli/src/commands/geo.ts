/**
 * `edgesteer geo stats`: how the compiled client map splits the address
 * space and each country across the policy's regions, with the map's hash,
 * size and compile time.
 */
import type { Command } from 'commander';
import { compileClientMapSync, databaseRecords } from '@edgesteer/geo';
import { readPolicy as readPolicyFile } from '../read-policy.js';
import { CliError } from '../cli-error.js';

interface StatsOptions {
  policy: string;
  json?: boolean;
  countries?: string;
}

const pct = (n: number, total: number) => (total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-');

async function runStats(opts: StatsOptions): Promise<void> {
  const policy = await readPolicyFile(opts.policy);
  let compiled;
  let records;
  try {
    compiled = compileClientMapSync(policy, opts.policy);
    records = databaseRecords(policy, opts.policy);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new CliError(e.code ?? 'E_GEO_COMPILE', e.message ?? String(err));
  }
  const map = compiled.map;
  const share = map.addressShare();
  const v4Total = 2 ** 32;
  const v6Total = share.reduce((n, s) => n + s.v6Slash64, 0);
  // Each country's IPv4 addresses by region (clientCidrs overrides included), walking records and map ranges together.
  const byCountry = new Map<string, number[]>();
  if (records) {
    for (let i = 0; i < records.v4.loc.length; i++) {
      const country = records.locations[records.v4.loc[i]!]?.country ?? '??';
      let row = byCountry.get(country);
      if (!row) byCountry.set(country, (row = new Array<number>(map.regions.length).fill(0)));
      let pos = records.v4.start[i]!;
      const end = records.v4.end[i]!;
      while (pos <= end) {
        const r = map.range4(pos);
        const stop = Math.min(end, r.end);
        row[r.regionIndex]! += stop - pos + 1;
        pos = stop + 1;
      }
    }
  }
  // IPv6 in the database's networks (unallocated space would swamp the shares), by the region of each network's first address.
  const v6Known = new Array<number>(map.regions.length).fill(0);
  if (records) {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < records.v6.loc.length; i++) {
      const start = records.v6.start[i]!;
      for (let k = 0; k < 16; k++) bytes[k] = Number((start >> BigInt(120 - 8 * k)) & 0xffn);
      v6Known[map.lookup(bytes).regionIndex]! += Number((records.v6.end[i]! - start + 1n) >> 64n);
    }
  }
  const v6KnownTotal = v6Known.reduce((a, b) => a + b, 0);
  const countries = [...byCountry.entries()]
    .map(([country, row]) => ({ country, v4: row.reduce((a, b) => a + b, 0), regions: Object.fromEntries(row.flatMap((n, i) => (n > 0 ? [[map.regions[i]!, n]] : []))) }))
    .sort((a, b) => b.v4 - a.v4);
  const summary = {
    clientMapHash: map.hash,
    source: map.source,
    database: compiled.database ?? null,
    ...map.stats,
    compileMs: Math.round(compiled.compileMs),
    cached: compiled.cached,
    regions: share.map((s, i) => ({ region: s.region, v4Addresses: s.v4, v4Share: s.v4 / v4Total, v6Slash64s: s.v6Slash64, v6Share: v6Total > 0 ? s.v6Slash64 / v6Total : 0, v6DatabaseSlash64s: v6Known[i]!, v6DatabaseShare: v6KnownTotal > 0 ? v6Known[i]! / v6KnownTotal : 0 })),
    countries,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const out: string[] = [
    `client map ${map.hash}`,
    `  from       ${compiled.database ?? 'the policy alone (geo off)'} (${map.source})`,
    `  ranges     ${map.stats.v4Ranges} IPv4 + ${map.stats.v6Ranges} IPv6 (rule layers: ${map.stats.v4RuleRanges} + ${map.stats.v6RuleRanges}), ${map.stats.bytes} bytes`,
    `  compiled   in ${Math.round(compiled.compileMs)} ms${compiled.cached ? ' (from the cache)' : ''}`,
    '',
    'address space by region (IPv4: all addresses; IPv6: the /64s of the database\'s networks):',
  ];
  const w = Math.max(6, ...map.regions.map((r) => r.length));
  share.forEach((s, i) => out.push(`  ${s.region.padEnd(w)}  IPv4 ${s.v4.toLocaleString('en-US').padStart(13)} (${pct(s.v4, v4Total).padStart(6)})   IPv6 ${pct(v6Known[i]!, v6KnownTotal).padStart(6)}`));
  const limit = opts.countries === 'all' ? countries.length : Math.max(0, Number(opts.countries ?? 25) || 25);
  if (countries.length > 0) {
    out.push('', `countries by IPv4 addresses (${Math.min(limit, countries.length)} of ${countries.length}; --countries all for every one):`);
    for (const c of countries.slice(0, limit)) {
      const split = Object.entries(c.regions)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} ${pct(n, c.v4)}`)
        .join(', ');
      out.push(`  ${c.country}  ${c.v4.toLocaleString('en-US').padStart(13)}  → ${split}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

/** Registers `edgesteer geo`. */
export function registerGeo(program: Command): void {
  const geo = program.command('geo').description('The client map: which region each client address belongs to.');
  geo
    .command('stats')
    .description('How the compiled client map splits the address space and each country across regions.')
    .requiredOption('--policy <file>', 'policy file (YAML or JSON)')
    .option('--countries <n|all>', 'countries to list (default 25)')
    .option('--json', 'print everything as JSON')
    .addHelpText('after', '\nExample:\n  edgesteer geo stats --policy config/policy.yaml\n\nExit status: 0 ok, 1 invalid policy or unreadable database, 2 usage error.\n')
    .action(async (opts: StatsOptions) => runStats(opts));
}
