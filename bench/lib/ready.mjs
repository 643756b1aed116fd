/** Waiting for a server to answer, bounded in time. */
import { setTimeout as sleep } from 'node:timers/promises';
import { createDnsClient } from './dns-client.mjs';
import { ZONE } from './scenario.mjs';
import { tailLog } from './procs.mjs';

/** Resolves when the DNS server on `port` answers SOA for the zone with NOERROR. */
export async function waitForDns(port, proc, timeoutMs = 20_000) {
  const client = createDnsClient('127.0.0.1', port);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (proc?.exited) throw new Error(`E_BENCH_START: ${proc.name} exited (${JSON.stringify(proc.exited)}):\n${tailLog(proc.logFile)}`);
      const r = await client.query({ name: ZONE, type: 'SOA', timeoutMs: 300 });
      if (r.rcode === 'NOERROR') return;
      await sleep(100);
    }
  } finally { client.close(); }
  throw new Error(`E_BENCH_START: ${proc?.name ?? 'server'} did not answer on 127.0.0.1:${port} within ${timeoutMs} ms:\n${proc ? tailLog(proc.logFile) : ''}`);
}

/** Resolves when `url` answers with a status below 500. */
export async function waitForHttp(url, proc, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`E_BENCH_START: ${proc.name} exited (${JSON.stringify(proc.exited)}):\n${tailLog(proc.logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`E_BENCH_START: ${url} did not answer within ${timeoutMs} ms:\n${proc ? tailLog(proc.logFile) : ''}`);
}
