/**
 * Command-line options of bench/run.mjs and the time/count budget each mode
 * gets. --quick must finish in under 3 minutes on a 2-core machine.
 */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench [-- --quick] [--only edgesteer,gdnsd,pdns,knot,worker]
       [--skip throughput,memory,cli,failover,worker,micro] [--threads N] [--keep] [--profile] [--nice=N]

  --quick       short runs, equal- and fastest-setting failover, 3 trials
  --only        systems to include (default: all available)
  --skip        phases to leave out
  --threads N   server threads/workers per system (default 2 = cores here)
  --keep        keep the temp dir (configs, logs) instead of removing it
  --profile     also run edgesteer dns under node --cpu-prof and summarise the hottest functions
  --nice=N      run servers, dnsperf and wrk at this nice value (default -10 when root,
                the same for every system; --nice=0 leaves priorities alone)`;

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      skip: { type: 'string' },
      threads: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      nice: { type: 'string', default: '-10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const list = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
  const quick = values.quick;
  return {
    help: values.help,
    quick,
    only: list(values.only),
    skip: new Set(list(values.skip) ?? []),
    threads: Math.max(1, Number(values.threads) || 2),
    keep: values.keep,
    profile: values.profile,
    nice: Math.max(-20, Math.min(19, Number(values.nice) || 0)),
    budget: quick ? QUICK : FULL,
  };
}

/** Durations in seconds unless named otherwise. */
const QUICK = {
  rounds: 2, // interleaved max-throughput rounds per system
  maxSeconds: 3,
  warmupSeconds: 1,
  rateSeconds: 2,
  rateRounds: 1,
  loadLevels: [0.25, 0.5, 0.75],
  failoverSettings: ['equal', 'fastest'],
  trials: 3,
  trialBudgetMs: 40_000,
  failoverTimeoutMs: { equal: 20_000, fastest: 15_000, default: 150_000 },
  recoveryTimeoutMs: { equal: 15_000, fastest: 10_000, default: 60_000 },
  dohSeconds: 4,
  microTimeoutMs: 60_000,
  memorySeconds: 10,
};

const FULL = {
  rounds: 3,
  maxSeconds: 10,
  warmupSeconds: 2,
  rateSeconds: 5,
  rateRounds: 3,
  loadLevels: [0.25, 0.5, 0.75],
  failoverSettings: ['equal', 'fastest', 'default'],
  trials: 5,
  trialBudgetMs: 360_000,
  failoverTimeoutMs: { equal: 20_000, fastest: 15_000, default: 150_000 },
  recoveryTimeoutMs: { equal: 20_000, fastest: 15_000, default: 60_000 },
  dohSeconds: 10,
  microTimeoutMs: 240_000,
  memorySeconds: 60,
};
