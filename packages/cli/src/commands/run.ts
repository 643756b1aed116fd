import type { Command } from 'commander';

/** Registers `edgesteer run`. (Not implemented yet: owned by its issue.) */
export function registerRun(_program: Command): void {}
