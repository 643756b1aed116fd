/**
 * Failover and recovery time, measured the same way for every system: ask
 * for the steered name with one region's client subnet every 50 ms, kill the
 * edge the system currently answers, and time until the answer no longer
 * contains it (failover); revive it and time until it is answered again
 * (recovery). A system that keeps its new choice after recovery (hysteresis)
 * shows as "no return within the timeout", which is reported as such.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createDnsClient } from './dns-client.mjs';
import { SERVICE_NAME } from './scenario.mjs';
import { median, max } from './stats.mjs';

export const POLL_MS = 50;

/**
 * Polls until `pred(answer)` holds; returns ms since `t0` at the response
 * that satisfied it, or null on timeout. Counts polls that got no answer.
 */
async function pollUntil(client, subnet, t0, timeoutMs, pred, tally) {
  let next = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const res = await client.query({ name: SERVICE_NAME, subnet, timeoutMs: 200 });
    const at = Date.now();
    tally.polls++;
    if (res.timeout) tally.timeouts++;
    else if (res.rcode !== 'NOERROR' || res.addresses.length === 0) tally.empty++;
    if (!res.timeout && res.rcode === 'NOERROR' && pred(res.addresses)) return { ms: at - t0, answer: res.addresses };
    next += POLL_MS;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait); else next = Date.now();
  }
  return null;
}

/** Polls the system's own verdict for an edge every 50 ms until it is up. */
async function pollVerdict(sys, edgeId, t0, timeoutMs) {
  while (Date.now() - t0 < timeoutMs) {
    if (await sys.edgeUp(edgeId).catch(() => false)) return { ms: Date.now() - t0, answer: null };
    await sleep(POLL_MS);
  }
  return null;
}

/** Waits until the region's answer is one stable, non-empty set for a full second (21 equal polls). */
async function stableAnswer(client, subnet, timeoutMs) {
  const t0 = Date.now();
  let last = '';
  let same = 0;
  while (Date.now() - t0 < timeoutMs) {
    const res = await client.query({ name: SERVICE_NAME, subnet, timeoutMs: 200 });
    const key = res.rcode === 'NOERROR' ? res.addresses.join(',') : '';
    if (key && key === last) same++; else { same = 0; last = key; }
    if (same >= 20) return res.addresses;
    await sleep(POLL_MS);
  }
  return null;
}

/**
 * Runs failover trials against one system in one setting.
 * @param {object} o
 * @param {() => Promise<{ port: number, stop: () => Promise<unknown> }>} o.start starts the system
 * @param {{ byAddress: (a: string) => any, reviveAll: () => Promise<void> }} o.edges demo edges
 * @param {{ id: string, ecs: string }} o.region region whose clients are watched
 * @param {number} o.trials wanted trial count
 * @param {number} o.budgetMs stop starting trials after this long
 * @param {number} o.failoverTimeoutMs
 * @param {number} o.recoveryTimeoutMs
 * @param {(msg: string) => void} o.log
 */
export async function failoverTrials(o) {
  const started = Date.now();
  const results = [];
  const notes = [];
  let sys = null;
  let client = null;
  const restart = async () => {
    if (client) client.close();
    if (sys) await sys.stop();
    await o.edges.reviveAll();
    sys = await o.start();
    client = createDnsClient('127.0.0.1', sys.port);
  };
  try {
    await restart();
    let redo = 0;
    for (let i = 0; i < o.trials; i++) {
      const elapsed = Date.now() - started;
      const perTrial = results.length ? elapsed / results.length : 0;
      if (i > 0 && elapsed + perTrial > o.budgetMs) {
        notes.push(`stopped after ${i} of ${o.trials} trials: time budget ${Math.round(o.budgetMs / 1000)} s`);
        break;
      }
      await o.edges.reviveAll();
      const before = await stableAnswer(client, o.region.ecs, 15_000);
      if (!before) throw new Error(`E_BENCH_FAILOVER: no stable answer for ${o.region.id} before trial ${i + 1}`);
      const victim = o.edges.byAddress(before[0]);
      if (!victim) throw new Error(`E_BENCH_FAILOVER: answer ${before[0]} is not a demo edge`);
      // Random phase against the system's check schedule, so trials do not
      // all land at the same point of a check interval.
      await sleep(Math.floor(Math.random() * 1000));
      const now = await client.query({ name: SERVICE_NAME, subnet: o.region.ecs, timeoutMs: 200 });
      if (now.addresses.join(',') !== before.join(',')) {
        // The answer moved on its own (e.g. an RTT estimate crossed the
        // hysteresis margin): not a failover to time. Start the trial over.
        if (++redo > 5) throw new Error('E_BENCH_FAILOVER: the answer keeps changing without any edge being killed');
        notes.push(`trial ${i + 1}: answer changed from ${before} to ${now.addresses} before the kill; trial restarted`);
        i--;
        continue;
      }
      const tally = { polls: 0, timeouts: 0, empty: 0 };
      await victim.kill();
      const tKill = Date.now();
      const fo = await pollUntil(client, o.region.ecs, tKill, o.failoverTimeoutMs, (a) => a.length > 0 && !a.includes(victim.address), tally);
      if (fo && sys.edgeUp && (await sys.edgeUp(victim.id).catch(() => false))) {
        // The answer changed but the system still counts the killed edge as
        // up: it moved for another reason within the first polls. Redo.
        await victim.revive();
        if (++redo > 5) throw new Error('E_BENCH_FAILOVER: answers change while the killed edge is still up');
        notes.push(`trial ${i + 1}: answer changed ${fo.ms} ms after the kill while the edge was still up (not a failover); trial restarted`);
        i--;
        continue;
      }
      await victim.revive();
      const tRevive = Date.now();
      // Recovery is measured the same way for every system: until the DNS
      // answer contains the revived edge again. A system with hysteresis
      // (edgesteer) may keep the edge it failed over to; where the system
      // exposes its own health verdict, the time until it counts the edge as
      // up again is recorded beside it (not instead of it).
      const [rec, verdict] = !fo
        ? [null, null]
        : await Promise.all([
            pollUntil(client, o.region.ecs, tRevive, o.recoveryTimeoutMs, (a) => a.includes(victim.address), tally),
            sys.edgeUp ? pollVerdict(sys, victim.id, tRevive, o.recoveryTimeoutMs) : Promise.resolve(null),
          ]);
      const r = {
        trial: i + 1,
        killed: victim.id,
        failoverMs: fo?.ms ?? null,
        failedOverTo: fo?.answer ?? null,
        recoveryMs: rec?.ms ?? null,
        recoveryBasis: 'dns answer',
        verdictUpMs: sys.edgeUp ? (verdict?.ms ?? null) : undefined,
        pollTimeouts: tally.timeouts,
        emptyAnswers: tally.empty,
      };
      results.push(r);
      o.log(`    trial ${r.trial}: killed ${r.killed}, failover ${fmt(r.failoverMs, o.failoverTimeoutMs)}, recovery ${fmt(r.recoveryMs, o.recoveryTimeoutMs)}`);
      if (!fo || (!rec && !verdict)) {
        // The system's view of the edges is not back to all-up: start fresh
        // so the next trial begins from the same state as the first.
        notes.push(`trial ${r.trial}: ${!fo ? 'no failover' : 'no return'} within the timeout; system restarted before the next trial`);
      } else if (!rec) {
        notes.push(`trial ${r.trial}: the revived edge was healthy again after ${verdict.ms} ms (the system's own verdict) but not answered within ${o.recoveryTimeoutMs} ms (kept the edge it failed over to)`);
        if (i + 1 < o.trials) await restart();
      }
    }
  } finally {
    if (client) client.close();
    if (sys) await sys.stop();
    await o.edges.reviveAll();
  }
  return summarize(results, notes, o);
}

/** Median where a timeout (null) counts as slower than any time; null if the median is a timeout. */
function medianOrTimeout(values) {
  const m = median(values.map((v) => (v === null ? Number.MAX_VALUE : v)));
  return m >= Number.MAX_VALUE / 2 ? null : m;
}

function fmt(ms, timeout) { return ms === null ? `> ${timeout} ms (timeout)` : `${ms} ms`; }

export function summarize(results, notes, o) {
  const fo = results.map((r) => r.failoverMs);
  const rec = results.map((r) => r.recoveryMs);
  return {
    trials: results.length,
    failoverMedianMs: medianOrTimeout(fo),
    failoverWorstMs: fo.some((v) => v === null) ? null : max(fo),
    failoverTimeouts: fo.filter((v) => v === null).length,
    recoveryMedianMs: medianOrTimeout(rec),
    recoveryWorstMs: rec.some((v) => v === null) ? null : max(rec),
    recoveryTimeouts: rec.filter((v) => v === null).length,
    failoverTimeoutMs: o.failoverTimeoutMs,
    recoveryTimeoutMs: o.recoveryTimeoutMs,
    emptyAnswers: results.reduce((a, r) => a + r.emptyAnswers, 0),
    recoveryBasis: 'dns answer',
    verdictUpMedianMs: results.some((r) => r.verdictUpMs !== undefined) ? medianOrTimeout(results.map((r) => r.verdictUpMs ?? null)) : undefined,
    results,
    notes,
  };
}
