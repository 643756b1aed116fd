/**
 * Every command the `edgesteer run` banner prints works as printed: the
 * stack runs on free ports (so the banner prints those), each "Try" line is
 * run literally with `sh -c` and must print the answer its comment claims
 * (`# <plane> <region> → <address>`), the explain and /v1/planes lines say
 * what they promise, and the printed failover demo moves every plane's line
 * for the region it names, then back.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, sleep } from './support/processes.js';
import { startRunStack, type RunStack } from './support/run-stack.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let stack: RunStack;
let banner: string;

/** Runs one printed line exactly as a user would paste it. */
function sh(line: string, timeoutMs = 20_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd: ROOT, timeout: timeoutMs, env: process.env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

interface TryLine {
  command: string;
  plane: string;
  region: string;
  answer: string;
}

function tryLines(text: string): TryLine[] {
  const out: TryLine[] = [];
  for (const m of text.matchAll(/^ {2}((?:dig|curl) .+?)\s+# (DNS|DoH|\/steer)\s+(\S+) → (\S+)$/gm)) out.push({ command: m[1]!, plane: m[2]!, region: m[3]!, answer: m[4]! });
  return out;
}

/** The answer a line prints: dig +short → the address; curl → the redirect URL's host. */
const answerOf = (out: string) => {
  const line = out.trim().split('\n')[0] ?? '';
  return line.startsWith('http') ? new URL(line).hostname : line;
};

describe('the edgesteer run banner, run as printed', () => {
  beforeAll(async () => {
    stack = await startRunStack({ octetBase: 70, readyTimeoutMs: 100_000 });
    banner = stack.proc.output();
  }, 120_000);

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  }, 30_000);

  it('prints the ports in use and one line per region for every plane', () => {
    const lines = tryLines(banner);
    expect(lines.map((l) => `${l.plane} ${l.region}`).sort()).toEqual(
      ['us-east', 'eu-west', 'ap-south'].flatMap((r) => ['DNS', 'DoH', '/steer'].map((p) => `${p} ${r}`)).sort(),
    );
    for (const l of lines) {
      const port = l.plane === 'DNS' ? stack.ports.dns : stack.ports.worker;
      expect(l.command).toContain(String(port));
      expect(l.command).toMatch(/subnet=10\.\d\.0\.0\/24/);
    }
    // Each region is answered by its own edge once measured (the demo's simulated distances).
    expect(Object.fromEntries(lines.filter((l) => l.plane === 'DNS').map((l) => [l.region, l.answer]))).toEqual({ 'us-east': stack.edgeIp.use1, 'eu-west': stack.edgeIp.euw1, 'ap-south': stack.edgeIp.aps1 });
  });

  it('every Try line answers what its comment claims', async () => {
    for (const l of tryLines(banner)) {
      const r = await sh(l.command);
      expect(r.code, `${l.command}\n${r.out}`).toBe(0);
      expect(answerOf(r.out), l.command).toBe(l.answer);
    }
  }, 60_000);

  it('the explain line reads the controller\'s live state, and /v1/planes says every plane agrees', async () => {
    const explainLine = /^ {2}(npx edgesteer explain --from \S+ .+)$/m.exec(banner)?.[1];
    expect(explainLine).toBeDefined();
    const r = await sh(explainLine!);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^from: live state of the controller at http:\/\/127\.0\.0\.1:\d+ \(table v\d+/);
    expect(r.out).toMatch(/answer euw1/);
    expect(r.out).not.toMatch(/assumed up/);

    // The controller's state file is accepted too, and says it is one.
    const stateFile = join(stack.dir, 'state', 'controller', 'controller-state.json');
    const fromFile = await sh(`${process.execPath} ${CLI} explain --state ${stateFile} --policy ${stack.policyFile} --service cdn --region eu-west`);
    expect(fromFile.code, fromFile.out).toBe(0);
    expect(fromFile.out).toMatch(/^from: state file .*controller-state\.json, saved \d{4}-/);
    expect(fromFile.out).toMatch(/answer euw1/);
    // A URL that is neither a controller nor a Worker is refused with a stable code.
    const wrong = await sh(`${process.execPath} ${CLI} explain --from ${stack.controlUrl} --policy ${stack.policyFile} --service cdn --region eu-west`);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/E_EXPLAIN_SOURCE: .* serves neither GET \/v1\/state \(a controller\) nor GET \/steer/);
    // A Worker explains its own decision.
    const worker = await sh(`${process.execPath} ${CLI} explain --from ${stack.workerUrl} --policy ${stack.policyFile} --service cdn --region eu-west`);
    expect(worker.code, worker.out).toBe(0);
    expect(worker.out).toMatch(/^from: live decision of the Worker at http:\/\/127\.0\.0\.1:\d+/);

    const planesLine = /^ {2}(curl -s http:\/\/\S+\/v1\/planes)\s+#/m.exec(banner)?.[1];
    const planes = JSON.parse((await sh(planesLine!)).out) as { agreement: { agree: number; total: number }; planes: Array<{ reachable: boolean }> };
    expect(planes.planes).toHaveLength(2);
    expect(planes.agreement).toMatchObject({ agree: 3, total: 3 });
  }, 30_000);

  it('the printed failover demo moves every plane for the region it names, then back', async () => {
    const m = /^ {2}(npx edgesteer demo edge (\S+) down --control \S+)\s+# within a few seconds every (\S+) line above stops answering (\S+) \(next best now: (\S+)\)$/m.exec(banner);
    expect(m, banner).not.toBeNull();
    const [, downLine, , region, from, nextBest] = m!;
    const others = Object.values(stack.edgeIp).filter((ip) => ip !== from);
    expect(others).toContain(nextBest);
    const upLine = /^ {2}(npx edgesteer demo edge \S+ up --control \S+)\s+#/m.exec(banner)![1]!;
    const lines = tryLines(banner).filter((l) => l.region === region);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.answer === from)).toBe(true);

    /** Polls the region's lines until all give one answer that `ok` accepts; returns it and the seconds taken. */
    const until = async (ok: (a: string) => boolean, boundMs: number) => {
      const t0 = performance.now();
      let last: string[] = [];
      while (performance.now() - t0 < boundMs) {
        last = await Promise.all(lines.map(async (l) => answerOf((await sh(l.command, 5000)).out)));
        if (new Set(last).size === 1 && ok(last[0]!)) return { answer: last[0]!, s: (performance.now() - t0) / 1000 };
        await sleep(100);
      }
      throw new Error(`after ${boundMs} ms the ${region} lines answer ${last.join(', ')}`);
    };

    expect((await sh(downLine!)).code).toBe(0);
    // "within a few seconds": failover takes 1.5–2.5 s here (fall 2 at 1 s checks); 6 s is the bound.
    // Every plane moves to the same other edge (which one depends on RTTs measured meanwhile).
    const down = await until((a) => others.includes(a), 6000);
    expect((await sh(upLine)).code).toBe(0);
    const up = await until((a) => a === from, 6000);
    console.log(`[run-banner] ${region}: DNS, DoH and /steer moved to ${down.answer} in ${down.s.toFixed(2)} s (banner's next best: ${nextBest}) and back to ${from} in ${up.s.toFixed(2)} s`);
    // The terminal got one human line for each.
    await sleep(300);
    expect(stack.proc.output()).toMatch(new RegExp(`FAILOVER\\s+${m![2]} down`));
    expect(stack.proc.output()).toMatch(new RegExp(`RECOVERY\\s+${m![2]} up again`));
  }, 60_000);
});
