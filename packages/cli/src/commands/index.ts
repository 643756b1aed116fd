import type { Command } from 'commander';
import { registerPolicy } from './policy.js';
import { registerExplain } from './explain.js';
import { registerProbe } from './probe.js';
import { registerDns } from './dns.js';
import { registerRoute53 } from './route53.js';
import { registerWorker } from './worker.js';
import { registerController } from './controller.js';
import { registerRun } from './run.js';
import { registerDemo } from './demo.js';
import { registerTimeline } from './timeline.js';
import { registerReplay } from './replay.js';

/** Adds every subcommand to the program. */
export function registerCommands(program: Command): void {
  registerPolicy(program);
  registerExplain(program);
  registerProbe(program);
  registerDns(program);
  registerRoute53(program);
  registerWorker(program);
  registerController(program);
  registerRun(program);
  registerDemo(program);
  registerTimeline(program);
  registerReplay(program);
}
