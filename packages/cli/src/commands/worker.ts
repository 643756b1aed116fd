import type { Command } from 'commander';

/** Registers `edgesteer worker`. (Not implemented yet: owned by its issue.) */
export function registerWorker(_program: Command): void {}
