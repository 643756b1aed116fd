/**
 * The query file every system gets: dnsperf's binary input format (-B:
 * length-prefixed raw packets), because the text format cannot carry a
 * different EDNS Client Subnet per query and `-E` applies one option to a
 * whole run. Every query carries the ECS of one of the three regions, in
 * rotation, so one dnsperf run exercises all regions.
 *
 * Mix (per 20 queries): 12 steered (cdn.example.com A), 5 static (2 SOA,
 * 1 NS, 2 glue A), 3 NXDOMAIN. The NXDOMAIN names are distinct within the
 * file (300 in the default 2000 queries), but dnsperf replays the file in a
 * loop, so each of them comes back once per pass.
 *
 * `writeTextQueryFile` writes the same names in dnsperf's text format for
 * the "standalone" peer check (plain dnsperf, one ECS option for the whole
 * run through -E), the way the peers' own throughput numbers are usually
 * taken.
 */
import { writeFileSync } from 'node:fs';
import { buildQuery } from './dns-packet.mjs';
import { REGIONS, SERVICE_NAME, ZONE, NS_NAME } from './scenario.mjs';

export const MIX = { steered: 12, static: 5, nxdomain: 3 };

/** The list of queries (for docs and for tests of the mix). */
export function queryList(count = 2000) {
  const out = [];
  const statics = [
    { name: ZONE, type: 'SOA' },
    { name: ZONE, type: 'NS' },
    { name: NS_NAME, type: 'A' },
    { name: ZONE, type: 'SOA' },
    { name: NS_NAME, type: 'A' },
  ];
  let nx = 0;
  for (let i = 0; out.length < count; i++) {
    const slot = i % 20;
    const region = REGIONS[i % REGIONS.length];
    let q;
    if (slot < MIX.steered) q = { name: SERVICE_NAME, type: 'A', kind: 'steered' };
    else if (slot < MIX.steered + MIX.static) q = { ...statics[slot - MIX.steered], kind: 'static' };
    else q = { name: `nx-${(nx++).toString(36)}.${ZONE}`, type: 'A', kind: 'nxdomain' };
    out.push({ ...q, subnet: region.ecs, region: region.id });
  }
  return out;
}

/** Writes the dnsperf -B input file; returns the number of queries in it. */
export function writeQueryFile(path, count = 2000) {
  const list = queryList(count);
  const chunks = [];
  for (const q of list) {
    const pkt = buildQuery({ name: q.name, type: q.type, subnet: q.subnet });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(pkt.length);
    chunks.push(len, pkt);
  }
  writeFileSync(path, Buffer.concat(chunks));
  return list.length;
}

/** The same mix in dnsperf's text format (`name TYPE` per line, no ECS: pass -E). Returns the line count. */
export function writeTextQueryFile(path, count = 2000) {
  const list = queryList(count);
  writeFileSync(path, list.map((q) => `${q.name} ${q.type}`).join('\n') + '\n');
  return list.length;
}
